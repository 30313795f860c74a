"""What every widget shares: the :class:`Panel` base and small helpers for controls and text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from .. import session
from ..display import md
from ..plumbing import errors
from ..plumbing.i18n import later, tr
from .recorded import Recordings, RequestKey

#: Room for every control's label ("temperature", "max tokens", "text A").
STYLE = {"description_width": "90px"}
#: What replay says of a request it cannot answer (English; :func:`needs_a_key` translates). It is the end of
#: a sentence whose subject is what was asked: "this setting needs a key: ...".
NEEDS_A_KEY = later("needs a key: add one (see 00_setup) and restart the kernel to go live")
#: The modes' names in the widgets' status lines (English; :func:`mode_name` translates).
MODE_NAMES = {"live": later("live"), "record": later("record"), "replay": later("replay")}


#: What a widget says when replay cannot answer (English; translated where it is shown).
REFUSAL = later("**Not recorded.** {what} was not recorded, so replay cannot answer it: it {needs_a_key}.")


def needs_a_key() -> str:
    """:data:`NEEDS_A_KEY` in the learner's language."""
    return tr(NEEDS_A_KEY)


def mode_name(mode: str) -> str:
    """A mode's name (``live``, ``record``, ``replay``) in the learner's language."""
    return tr(MODE_NAMES[mode]) if mode in MODE_NAMES else mode


class Panel:
    """A box of controls, a status line, one button and an output area."""

    #: The widget's name, first in its summary (English; translated where shown).
    title = later("Widget")

    def __init__(self, button: str) -> None:
        self.settings = session.current()
        self.mode = self.settings.mode if self.settings else "live"
        self.recordings = Recordings.of(self.settings)
        self.status = widgets.HTML()
        self.button = widgets.Button(description=button, button_style="primary")
        self.button.on_click(lambda _: self.click())
        self.output = widgets.Output(layout=widgets.Layout(border="1px solid #ddd", padding="0 8px", min_height="2em"))
        self.box = widgets.VBox()
        for widget, name in (
            (self.box, "box"),
            (self.button, "button"),
            (self.status, "status"),
            (self.output, "output"),
        ):
            widget.add_class(f"gemini-widget-{name}")  # for the browser test, and for styling

    def can_answer(self, key: RequestKey) -> bool:
        """True when this request may be sent: always outside replay, else only if recorded."""
        return self.recordings is None or key in self.recordings.keys

    def record(self, call: Callable[[], Any]) -> None:
        """In record mode, make a preset call so that it is recorded.

        A call the notebook's own cells already made is played back from this run's
        recording rather than sent again (``helpers.plumbing.recording`` opens record cassettes so).
        """
        if self.mode == "record":
            call()

    def click(self) -> None:
        """What the button does: subclasses answer in :meth:`answer`."""
        self.button.disabled = True
        try:
            with self.output:
                self.output.clear_output()
                try:
                    self.answer()
                except Exception as error:  # a callback's exception would vanish into the kernel log
                    md(f"**{self.explain(error)}**")
        finally:
            self.button.disabled = False
            self.update()

    def answer(self) -> None:
        """Answer one click, inside the output area."""
        raise NotImplementedError

    def update(self) -> None:
        """Refresh the status line (and, where it depends on it, what is offered)."""
        raise NotImplementedError

    def explain(self, error: BaseException) -> str:
        """The same message the notebook's cells would show for this error."""
        context = self.settings.error_context() if self.settings else errors.Context()
        message = errors.explain(error, context)
        return message or errors.scrub(f"{type(error).__name__}: {error}", context.secret)

    def refuse(self, what: str) -> None:
        """Say, in the output, that replay cannot answer ``what`` (a translated noun phrase: "The setting …")."""
        md(tr(REFUSAL, what=what, needs_a_key=needs_a_key()))

    def mode_line(self, offered: str, live: str) -> str:
        """The second line of the summary: what this mode offers (both phrases already translated)."""
        if self.recordings is not None:
            return tr(
                "Mode replay: offers {offered}; anything else {needs_a_key}.",
                offered=offered,
                needs_a_key=needs_a_key(),
            )
        if self.mode == "record":
            return tr("Mode record: the presets were recorded when it was created; {live}.", live=live)
        return tr("Mode live: {live}; every click calls Gemini.", live=live)

    def summary(self) -> list[str]:
        raise NotImplementedError

    def __repr__(self) -> str:
        first = tr("{title} (an interactive widget: run the notebook to use it)", title=tr(self.title))
        return "\n".join([first, *self.summary()])

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        view = {"version_major": 2, "version_minor": 0, "model_id": self.box.model_id}
        return {"text/plain": repr(self), "application/vnd.jupyter.widget-view+json": view}


def _choice(options: Sequence[str], value: str | None, free: bool, description: str) -> Any:
    """A dropdown of ``options`` (replay), or a text box that suggests them (live, record)."""
    layout = widgets.Layout(width="95%")
    if free:
        return widgets.Combobox(
            options=list(options),
            value=value or "",
            description=description,
            placeholder=tr("type or pick"),
            layout=layout,
            style=STYLE,
        )
    return widgets.Dropdown(options=list(options), value=value, description=description, layout=layout, style=STYLE)


def _status(text: str, ok: bool = True) -> str:
    colour = "#1a7f37" if ok else "#b35900"
    return f'<span style="color:{colour}">{text}</span>'
