"""05_chat: the chat box, a conversation with its own chat session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from ..display import md, show_chat
from ..plumbing.errors import quote
from ..plumbing.i18n import later, tr
from .panel import Panel, _choice, _status, mode_name, needs_a_key
from .recorded import RequestKey, generate_key

#: The transcript's window: taller conversations scroll inside it.
TRANSCRIPT_HEIGHT = "26em"
#: In a column-reverse box, the transcript itself must keep its full height (not shrink to the window).
TRANSCRIPT_STYLE = "<style>.gemini-widget-chat .gemini-widget-output > * { flex-shrink: 0; }</style>"


def _user_turns(body: Any) -> list[str]:
    contents = body.get("contents", []) if isinstance(body, dict) else []
    return [" ".join(p.get("text", "") for p in c.get("parts", [])) for c in contents if c.get("role") == "user"]


class ChatBox(Panel):
    """A text box, a Send button and the transcript, by role; it keeps its own chat session."""

    title = later("Chat box")

    def __init__(self, model: Any, suggestions: Iterable[str]) -> None:
        super().__init__(tr("Send"))
        self.model, self.suggestions = model, list(suggestions)
        if self.mode == "record":  # turns the notebook already sent are played back, not sent again
            chat = model.start_chat()
            for message in self.suggestions:
                chat.send_message(message)
        self.chat = model.start_chat()
        self.message = _choice(self.suggestions, self._first(), self.recordings is None, tr("message"))
        self.restart = widgets.Button(description=tr("Start over"))
        self.restart.on_click(lambda _: self.start_over())
        name = model.model_name.removeprefix("models/")
        header = widgets.HTML(TRANSCRIPT_STYLE + tr("<b>Chat</b> with {model}", model=name))
        # As in a messaging app: the transcript above the message box, in a window of its own that
        # scrolls, and starts scrolled to its end (column-reverse), so that the newest answer is
        # always just above the Send button, on screen, however long the conversation grows.
        self.output.layout.max_height = TRANSCRIPT_HEIGHT
        self.output.layout.overflow = "auto"
        self.output.layout.display = "flex"
        self.output.layout.flex_flow = "column-reverse"
        self.box.add_class("gemini-widget-chat")
        self.box.children = [
            header,
            self.output,
            self.message,
            widgets.HBox([self.button, self.restart, self.status]),
        ]
        self.update()

    def key(self, message: str) -> RequestKey:
        return generate_key(self.model, [*self.chat.history, {"role": "user", "parts": [message]}])

    def offered(self) -> list[str]:
        """The messages that may be sent next."""
        return [m for m in self.suggestions if self.can_answer(self.key(m))]

    def _first(self) -> str | None:
        options = self.offered()
        return options[0] if options else None

    def recorded_conversation(self) -> list[str]:
        """The suggestions, in order, as far as the cassette holds them as one conversation."""
        if self.recordings is None:
            return self.suggestions
        turns = [_user_turns(body) for body in self.recordings.bodies]
        count = 0
        while count < len(self.suggestions) and self.suggestions[: count + 1] in turns:
            count += 1
        return self.suggestions[:count]

    def update(self) -> None:
        """Offer the next messages and say what replay can do."""
        if self.recordings is None:
            self.status.value = _status(
                tr(
                    "{mode}: type anything; each message calls {model}",
                    mode=mode_name(self.mode),
                    model=self.model.model_name,
                )
            )
            return
        options = self.offered()
        self.message.options = options
        self.message.value = options[0] if options else None
        self.button.disabled = not options
        if options:
            self.status.value = _status(tr("replay follows the recorded conversation: pick the next message"))
        else:
            self.status.value = _status(
                tr("the recorded conversation ends here; going on {needs_a_key}", needs_a_key=needs_a_key()), ok=False
            )

    def answer(self) -> None:
        message = (self.message.value or "").strip()
        if not message:
            md(tr("*Type a message first.*"))
            return
        if not self.can_answer(self.key(message)):
            self.refuse(tr("The message {message}, at this point of the conversation,", message=quote(message)))
            return
        self.chat.send_message(message)
        show_chat(self.chat.history)
        if self.recordings is None:
            self.message.value = ""

    def start_over(self) -> None:
        """Forget the conversation: a new chat session."""
        self.chat = self.model.start_chat()
        self.output.clear_output()
        self.update()

    def summary(self) -> list[str]:
        conversation = self.recorded_conversation()
        return [
            tr("Model: {model}", model=self.model.model_name.removeprefix("models/")),
            self.mode_line(
                tr("the recorded conversation of {count} messages", count=len(conversation)), tr("type any message")
            ),
            *(f"  {number}. {quote(m)}" for number, m in enumerate(conversation, start=1)),
        ]
