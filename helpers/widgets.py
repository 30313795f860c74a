"""Small interactive apps for the notebooks, honest about what replay can answer.

One call each::

    helpers.playground(model, prompt, presets)          # 02_config: sliders for the generation config
    helpers.chat_box(model, suggestions)                # 05_chat: a conversation with its own chat session
    helpers.photo_picker(model, photos, prompts)        # 04_vision: pick a photo and a prompt, describe it
    helpers.similarity_picker(texts, embedding_model)   # 06_embeddings: cosine similarity of two texts

A widget only sends what the notebook's own code could send, through the same
SDK calls. The mode (``helpers.session.current()``) decides *which* calls:

* **live**: everything is offered; every click calls Gemini (and spends quota).
  Nothing is called before a click.
* **record**: a record run clicks no buttons, so each widget makes its *preset
  calls* itself, once, when it is created, and they land in the notebook's
  cassette: every playground preset; the chat suggestions sent in order, as one
  conversation; every photo with every prompt; all the texts, embedded in one
  call. A preset request that the notebook's own cells already recorded is not
  sent again (the chat always is: each turn needs the answers before it). After
  that the widget behaves as in live.
* **replay**: the cassette answers only recorded requests. When it is created,
  a widget builds, with the SDK's own request builder, the exact request each
  of its presets would send, and keeps those the cassette holds (matched as the
  cassette matches: path and JSON body, images compared by digest). So it offers
  exactly the presets of the record run. Anything else (a slider moved off a
  preset, a typed message, another photo) is refused before any call, with a
  message that says plainly that it needs a key.

For nbval: creating a widget in replay makes no call and prints nothing, and its
``text/plain`` form (which nbval compares; it skips the widget-view JSON and its
random model id) is a fixed summary of what the widget offers. That summary is
also what a reader sees where widgets are not rendered, on GitHub for example.
Widgets use only what ipywidgets 7 and 8 share, so they also run on Colab.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from . import errors, session
from .display import md, show, show_chat
from .recording import REPO_ROOT, parse_body

IMAGES = REPO_ROOT / "images"
#: Room for every control's label ("temperature", "max tokens", "text A").
STYLE = {"description_width": "90px"}
NEEDS_A_KEY = "needs a key: add one (see 00_setup) and restart the kernel to go live"
RequestKey = tuple[str, str]


# --- which requests the cassette can answer ------------------------------------


def request_key(path: str, body: Any) -> RequestKey:
    """A request as the cassette matches it: path, and JSON body with images as digests."""
    text = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return path, json.dumps(parse_body(text), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Recordings:
    """The POST requests of the open cassette."""

    keys: frozenset[RequestKey]
    bodies: tuple[Any, ...]

    @classmethod
    def of(cls, settings: session.Settings | None, mode: str = "replay") -> Recordings | None:
        """What the cassette holds in ``mode`` (replay: the recordings; record: what was written so far).

        ``None`` in any other mode, or with no cassette: there, anything may be asked.
        """
        if settings is None or settings.mode != mode or settings.cassette is None:
            return None
        requests = [r for r in settings.cassette.cassette.requests if r.method == "POST"]
        keys = frozenset(request_key(r.path, r.body) for r in requests)
        return cls(keys, tuple(parse_body(r.body) for r in requests))


def _rest(request: Any, action: str) -> RequestKey:
    """The path and body the SDK sends over REST for a request message."""
    from google.protobuf import json_format

    body = json.loads(json_format.MessageToJson(type(request).pb(request), use_integers_for_enums=True))
    body.pop("model", None)  # it goes in the path
    return request_key(f"/v1beta/{request.model}:{action}", body)


def generate_key(model: Any, contents: Any, generation_config: Any = None) -> RequestKey:
    """The request ``model.generate_content(contents, generation_config=...)`` would send."""
    request = model._prepare_request(
        contents=contents, generation_config=generation_config, tools=None, tool_config=None
    )
    if request.contents and not request.contents[-1].role:
        request.contents[-1].role = "user"  # as generate_content does
    return _rest(request, "generateContent")


def embed_key(model: str, texts: str | Sequence[str], task_type: str, dimensions: int | None) -> RequestKey:
    """The request ``genai.embed_content(model, texts, task_type, output_dimensionality=...)`` would send.

    One text is one ``embedContent`` call; a list is one ``batchEmbedContents`` call.
    """
    from google.generativeai import protos
    from google.generativeai.embedding import to_task_type
    from google.generativeai.types import content_types, model_types

    name = model_types.make_model_name(model)

    def one(text: str) -> Any:
        return protos.EmbedContentRequest(
            model=name,
            content=content_types.to_content(text),
            task_type=to_task_type(task_type),
            output_dimensionality=dimensions,
        )

    if isinstance(texts, str):
        return _rest(one(texts), "embedContent")
    return _rest(protos.BatchEmbedContentsRequest(model=name, requests=[one(t) for t in texts]), "batchEmbedContents")


# --- what every widget shares --------------------------------------------------


class Panel:
    """A box of controls, a status line, one button and an output area."""

    title = "Widget"

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

    def record(self, key: RequestKey, call: Callable[[], Any]) -> None:
        """In record mode, make a preset call, unless the notebook's own cells already recorded it."""
        written = Recordings.of(self.settings, "record")
        if written is not None and key not in written.keys:
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
        """Say, in the output, that replay cannot answer this."""
        md(f"**Not recorded.** {what} was not recorded, so replay cannot answer it: it {NEEDS_A_KEY}.")

    def mode_line(self, offered: str, live: str) -> str:
        """The second line of the summary: what this mode offers."""
        if self.recordings is not None:
            return f"Mode replay: offers {offered}; anything else {NEEDS_A_KEY}."
        if self.mode == "record":
            return f"Mode record: the presets were recorded when it was created; {live}."
        return f"Mode live: {live}; every click calls Gemini."

    def summary(self) -> list[str]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return "\n".join([f"{self.title} (an interactive widget: run the notebook to use it)", *self.summary()])

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        view = {"version_major": 2, "version_minor": 0, "model_id": self.box.model_id}
        return {"text/plain": repr(self), "application/vnd.jupyter.widget-view+json": view}


def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


def _choice(options: Sequence[str], value: str | None, free: bool, description: str) -> Any:
    """A dropdown of ``options`` (replay), or a text box that suggests them (live, record)."""
    layout = widgets.Layout(width="95%")
    if free:
        return widgets.Combobox(
            options=list(options),
            value=value or "",
            description=description,
            placeholder="type or pick",
            layout=layout,
            style=STYLE,
        )
    return widgets.Dropdown(options=list(options), value=value, description=description, layout=layout, style=STYLE)


def _status(text: str, ok: bool = True) -> str:
    colour = "#1a7f37" if ok else "#b35900"
    return f'<span style="color:{colour}">{text}</span>'


# --- 02_config: the playground ---------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """One setting of the playground."""

    temperature: float
    max_output_tokens: int
    stop_sequences: tuple[str, ...] = ()

    @classmethod
    def of(cls, value: Preset | Mapping[str, Any]) -> Preset:
        """A preset from a dict such as ``{"temperature": 0.7, "max_output_tokens": 200}``."""
        if isinstance(value, Preset):
            return value
        stops = value.get("stop_sequences") or ()
        return cls(round(float(value["temperature"]), 2), int(value["max_output_tokens"]), tuple(stops))

    def config(self) -> Any:
        """The ``GenerationConfig`` this preset sends."""
        import google.generativeai as genai

        stops = {"stop_sequences": list(self.stop_sequences)} if self.stop_sequences else {}
        return genai.types.GenerationConfig(
            temperature=self.temperature, max_output_tokens=self.max_output_tokens, **stops
        )

    def label(self) -> str:
        """``temperature 0.7 · max 200 tokens · stop “space”``."""
        stops = ", ".join(_quote(s) for s in self.stop_sequences) or "none"
        return f"temperature {self.temperature!r} · max {self.max_output_tokens} tokens · stop {stops}"


class Playground(Panel):
    """Sliders for temperature and max_output_tokens, stop sequences, and a Generate button."""

    title = "Playground"

    def __init__(self, model: Any, prompt: str, presets: Iterable[Preset | Mapping[str, Any]]) -> None:
        super().__init__("Generate")
        self.model, self.prompt = model, prompt
        self.presets = list(dict.fromkeys(Preset.of(p) for p in presets))
        for preset in self.presets:
            self.record(self.key(preset), lambda preset=preset: self.generate(preset))
        self.offered = [p for p in self.presets if self.can_answer(self.key(p))]
        first = self.offered[0] if self.offered else Preset(1.0, 200)
        top = max([1024, *(p.max_output_tokens for p in self.presets)])
        self.preset = widgets.Dropdown(
            options=[(p.label(), p) for p in self.offered],
            value=self.offered[0] if self.offered else None,
            description="Preset",
            layout=widgets.Layout(width="95%"),
            style=STYLE,
        )
        self.temperature = widgets.FloatSlider(
            value=first.temperature, min=0, max=2, step=0.05, description="temperature", style=STYLE
        )
        self.max_tokens = widgets.IntSlider(
            value=first.max_output_tokens, min=1, max=top, description="max tokens", style=STYLE
        )
        self.stops = widgets.Text(
            value=", ".join(first.stop_sequences),
            description="stop",
            placeholder="comma-separated, e.g. space",
            style=STYLE,
        )
        self.preset.observe(self._apply_preset, names="value")
        for control in (self.temperature, self.max_tokens, self.stops):
            control.observe(lambda _: self.update(), names="value")
        header = widgets.HTML(f"<b>Playground</b> · prompt: {_quote(prompt, 120)}")
        self.box.children = [
            header,
            self.preset,
            self.temperature,
            self.max_tokens,
            self.stops,
            widgets.HBox([self.button, self.status]),
            self.output,
        ]
        self.update()

    def key(self, preset: Preset) -> RequestKey:
        return generate_key(self.model, self.prompt, preset.config())

    def generate(self, preset: Preset) -> Any:
        return self.model.generate_content(self.prompt, generation_config=preset.config())

    def current(self) -> Preset:
        """The setting the controls show now."""
        stops = tuple(s.strip() for s in self.stops.value.split(",") if s.strip())
        return Preset(round(self.temperature.value, 2), int(self.max_tokens.value), stops)

    def _apply_preset(self, change: Mapping[str, Any]) -> None:
        preset = change["new"]
        if isinstance(preset, Preset):
            self.temperature.value, self.max_tokens.value = preset.temperature, preset.max_output_tokens
            self.stops.value = ", ".join(preset.stop_sequences)

    def update(self) -> None:
        """Say whether the current setting can be answered."""
        if self.recordings is None:
            self.status.value = _status(f"{self.mode}: each click calls {self.model.model_name}")
        elif self.can_answer(self.key(self.current())):
            self.status.value = _status("recorded: replay answers this setting")
        else:
            self.status.value = _status(
                f"not recorded: replay answers only the {len(self.offered)} presets; this setting {NEEDS_A_KEY}",
                ok=False,
            )

    def answer(self) -> None:
        preset = self.current()
        if not self.can_answer(self.key(preset)):
            self.refuse(f"The setting {preset.label()}")
            return
        show(self.generate(preset))

    def summary(self) -> list[str]:
        offered = self.offered if self.recordings is not None else self.presets
        return [
            f"Prompt: {_quote(self.prompt)}",
            self.mode_line(f"the {len(offered)} recorded settings", "any temperature, max_output_tokens and stop"),
            *(f"  - {p.label()}" for p in offered),
        ]


# --- 05_chat: the chat box -------------------------------------------------------


def _user_turns(body: Any) -> list[str]:
    contents = body.get("contents", []) if isinstance(body, dict) else []
    return [" ".join(p.get("text", "") for p in c.get("parts", [])) for c in contents if c.get("role") == "user"]


class ChatBox(Panel):
    """A text box, a Send button and the transcript, by role; it keeps its own chat session."""

    title = "Chat box"

    def __init__(self, model: Any, suggestions: Iterable[str]) -> None:
        super().__init__("Send")
        self.model, self.suggestions = model, list(suggestions)
        if self.mode == "record":  # always: each turn needs the answers before it
            chat = model.start_chat()
            for message in self.suggestions:
                chat.send_message(message)
        self.chat = model.start_chat()
        self.message = _choice(self.suggestions, self._first(), self.recordings is None, "message")
        self.restart = widgets.Button(description="Start over")
        self.restart.on_click(lambda _: self.start_over())
        header = widgets.HTML(f"<b>Chat</b> with {model.model_name.removeprefix('models/')}")
        self.box.children = [
            header,
            self.message,
            widgets.HBox([self.button, self.restart, self.status]),
            self.output,
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
            self.status.value = _status(f"{self.mode}: type anything; each message calls {self.model.model_name}")
            return
        options = self.offered()
        self.message.options = options
        self.message.value = options[0] if options else None
        self.button.disabled = not options
        if options:
            self.status.value = _status("replay follows the recorded conversation: pick the next message")
        else:
            self.status.value = _status(f"the recorded conversation ends here; going on {NEEDS_A_KEY}", ok=False)

    def answer(self) -> None:
        message = (self.message.value or "").strip()
        if not message:
            md("*Type a message first.*")
            return
        if not self.can_answer(self.key(message)):
            self.refuse(f"The message {_quote(message)}, at this point of the conversation,")
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
            f"Model: {self.model.model_name.removeprefix('models/')}",
            self.mode_line(f"the recorded conversation of {len(conversation)} messages", "type any message"),
            *(f"  {number}. {_quote(m)}" for number, m in enumerate(conversation, start=1)),
        ]


# --- 04_vision: the photo picker -------------------------------------------------


def photo_path(photo: str | Path) -> Path:
    """A photo as given, or by its name in the repository's images/ folder."""
    path = Path(photo)
    return path if path.is_file() else IMAGES / path.name


def thumbnail(path: Path, width: int = 360) -> bytes:
    """A small JPEG of the photo, for showing it (the model gets the file itself)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB")
        small.thumbnail((width, width * 2))
        buffer = io.BytesIO()
        small.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class PhotoPicker(Panel):
    """A photo and a prompt to choose, the photo shown, and a Describe button."""

    title = "Photo picker"

    def __init__(self, model: Any, photos: Iterable[str | Path] | None, prompts: Iterable[str]) -> None:
        super().__init__("Describe")
        self.model, self.prompts = model, list(prompts)
        paths = [photo_path(p) for p in photos] if photos is not None else sorted(IMAGES.glob("*.jp*g"))
        self.photos = {path.name: path for path in paths}
        for name in self.photos:
            for prompt in self.prompts:
                self.record(self.key(name, prompt), lambda name=name, prompt=prompt: self.describe(name, prompt))
        self.pairs = [(n, p) for n in self.photos for p in self.prompts if self.can_answer(self.key(n, p))]
        names = list(dict.fromkeys(n for n, _ in self.pairs)) if self.recordings is not None else list(self.photos)
        self.photo = widgets.Dropdown(
            options=names, value=names[0] if names else None, description="photo", style=STYLE
        )
        prompts = self._prompts_for(self.photo.value)
        self.prompt = _choice(prompts, prompts[0] if prompts else None, self.recordings is None, "prompt")
        self.image = widgets.Image(format="jpeg", layout=widgets.Layout(max_width="360px"))
        self.photo.observe(lambda _: self.photo_changed(), names="value")
        self.prompt.observe(lambda _: self.update(), names="value")
        self.box.children = [
            widgets.HTML(f"<b>Describe a photo</b> with {model.model_name.removeprefix('models/')}"),
            self.photo,
            self.image,
            self.prompt,
            widgets.HBox([self.button, self.status]),
            self.output,
        ]
        self.photo_changed()

    def key(self, name: str, prompt: str) -> RequestKey:
        from PIL import Image

        with Image.open(self.photos[name]) as image:
            return generate_key(self.model, [prompt, image])

    def describe(self, name: str, prompt: str) -> Any:
        from PIL import Image

        with Image.open(self.photos[name]) as image:
            return self.model.generate_content([prompt, image])

    def _prompts_for(self, name: str | None) -> list[str]:
        if self.recordings is None:
            return self.prompts
        return [p for n, p in self.pairs if n == name]

    def photo_changed(self) -> None:
        """Show the chosen photo and, in replay, offer its recorded prompts."""
        name = self.photo.value
        self.image.value = thumbnail(self.photos[name]) if name else b""
        if self.recordings is not None:
            self.prompt.options = self._prompts_for(name)
            self.prompt.value = self.prompt.options[0] if self.prompt.options else None
        self.update()

    def update(self) -> None:
        """Say whether this photo and prompt can be answered."""
        if self.recordings is None:
            self.status.value = _status(f"{self.mode}: any photo, any prompt; each click calls Gemini")
        elif self.photo.value and self.prompt.value:
            self.status.value = _status("recorded: replay answers this photo and prompt")
        else:
            self.status.value = _status(f"nothing recorded for this photo; describing it {NEEDS_A_KEY}", ok=False)

    def answer(self) -> None:
        name, prompt = self.photo.value, (self.prompt.value or "").strip()
        if not name or not prompt:
            md("*Choose a photo and a prompt first.*")
            return
        if not self.can_answer(self.key(name, prompt)):
            self.refuse(f"The prompt {_quote(prompt)} with {name}")
            return
        show(self.describe(name, prompt))

    def summary(self) -> list[str]:
        pairs = self.pairs if self.recordings is not None else [(n, p) for n in self.photos for p in self.prompts]
        return [
            self.mode_line(f"the {len(pairs)} recorded photo and prompt pairs", "any photo in the list, any prompt"),
            *(f"  - {name}: {_quote(prompt)}" for name, prompt in pairs),
        ]


# --- 06_embeddings: the similarity picker ----------------------------------------


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity: 1 for the same direction, about 0 for unrelated texts."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class SimilarityPicker(Panel):
    """Two texts to choose and a Compare button that shows their cosine similarity.

    The texts are embedded together, in one ``batchEmbedContents`` call: the same
    call as ``genai.embed_content(model, texts, ...)`` in a notebook cell, so a
    recording the notebook already made serves the widget too.
    """

    title = "Similarity picker"

    def __init__(
        self,
        texts: Iterable[str],
        embedding_model: str,
        *,
        task_type: str = "semantic_similarity",
        dimensions: int | None = 768,
    ) -> None:
        super().__init__("Compare")
        self.texts, self.embedding_model = list(dict.fromkeys(texts)), embedding_model
        self.task_type, self.dimensions = task_type, dimensions
        self.vectors: dict[str, list[float]] = {}
        self.record(self.key(self.texts), lambda: self.embed(self.texts))
        self.offered = self.texts if self.can_answer(self.key(self.texts)) else []
        free = self.recordings is None
        options = self.texts if free else self.offered
        self.first = _choice(options, options[0] if options else None, free, "text A")
        self.second = _choice(options, options[1] if len(options) > 1 else None, free, "text B")
        for control in (self.first, self.second):
            control.observe(lambda _: self.update(), names="value")
        name = embedding_model.removeprefix("models/")
        self.box.children = [
            widgets.HTML(f"<b>How similar?</b> Embeddings from {name}, task type {task_type}"),
            self.first,
            self.second,
            widgets.HBox([self.button, self.status]),
            self.output,
        ]
        self.update()

    def key(self, texts: Sequence[str]) -> RequestKey:
        return embed_key(self.embedding_model, list(texts), self.task_type, self.dimensions)

    def embed(self, texts: Sequence[str]) -> None:
        """Embed what is not known yet: the preset texts all in one call, other texts (live) on their own."""
        import google.generativeai as genai

        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if not missing:
            return
        batch = self.texts if all(t in self.texts for t in missing) else missing
        result = genai.embed_content(
            model=self.embedding_model,
            content=batch,
            task_type=self.task_type,
            output_dimensionality=self.dimensions,
        )
        self.vectors.update(zip(batch, result["embedding"], strict=True))

    def update(self) -> None:
        """Say whether both texts can be embedded."""
        if self.recordings is None:
            self.status.value = _status(f"{self.mode}: any two texts; new texts call {self.embedding_model}")
        elif len(self.offered) < 2:
            self.status.value = _status(f"these texts were not recorded; comparing them {NEEDS_A_KEY}", ok=False)
        else:
            self.status.value = _status("recorded: replay answers these texts")

    def answer(self) -> None:
        texts = [(control.value or "").strip() for control in (self.first, self.second)]
        if not all(texts):
            md("*Choose two texts first.*")
            return
        missing = [t for t in texts if t not in self.offered]
        if self.recordings is not None and missing:
            self.refuse(f"The embedding of {_quote(missing[0])}")
            return
        self.embed(texts)
        score = cosine(self.vectors[texts[0]], self.vectors[texts[1]])
        md(
            f"**Cosine similarity: {score:.3f}**\n\n- A: {_quote(texts[0], 200)}\n- B: {_quote(texts[1], 200)}\n\n"
            "1 means the two vectors point the same way; values near 0 mean the texts have little in common."
        )

    def summary(self) -> list[str]:
        texts = self.offered if self.recordings is not None else self.texts
        name = self.embedding_model.removeprefix("models/")
        return [
            f"Embeddings: {name}, task type {self.task_type}, {self.dimensions or 'all'} dimensions",
            self.mode_line(f"the {len(texts)} recorded texts", "any two texts"),
            *(f"  - {_quote(t)}" for t in texts),
        ]


# --- what the notebooks call -------------------------------------------------------


def playground(model: Any, prompt: str, presets: Iterable[Preset | Mapping[str, Any]]) -> Playground:
    """Try generation settings on one prompt: temperature, max_output_tokens, stop sequences.

    ``presets`` are dicts such as ``{"temperature": 0.7, "max_output_tokens": 200,
    "stop_sequences": ["space"]}``: recorded in record mode, the only choices in replay.
    """
    return Playground(model, prompt, presets)


def chat_box(model: Any, suggestions: Iterable[str]) -> ChatBox:
    """Chat with ``model`` in its own chat session; ``suggestions`` are the recorded conversation."""
    return ChatBox(model, suggestions)


def photo_picker(model: Any, photos: Iterable[str | Path] | None, prompts: Iterable[str]) -> PhotoPicker:
    """Describe a photo from ``images/`` (names or paths; ``None``: every JPEG there) with a prompt."""
    return PhotoPicker(model, photos, prompts)


def similarity_picker(
    texts: Iterable[str], embedding_model: str, *, task_type: str = "semantic_similarity", dimensions: int | None = 768
) -> SimilarityPicker:
    """Compare two of ``texts`` by the cosine similarity of their embeddings."""
    return SimilarityPicker(texts, embedding_model, task_type=task_type, dimensions=dimensions)
