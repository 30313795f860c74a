"""04_vision: the photo picker, a photo and a prompt to describe it with."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..display import md, show
from ..plumbing.errors import quote
from ..plumbing.i18n import later, tr
from ..plumbing.recording import REPO_ROOT
from .panel import STYLE, Panel, _choice, _status, mode_name, needs_a_key
from .recorded import RequestKey, generate_key

IMAGES = REPO_ROOT / "images"


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

    title = later("Photo picker")

    def __init__(self, model: Any, photos: Iterable[str | Path] | None, prompts: Iterable[str]) -> None:
        super().__init__(tr("Describe"))
        self.model, self.prompts = model, list(prompts)
        paths = [photo_path(p) for p in photos] if photos is not None else sorted(IMAGES.glob("*.jp*g"))
        self.photos = {path.name: path for path in paths}
        for name in self.photos:
            for prompt in self.prompts:
                self.record(lambda name=name, prompt=prompt: self.describe(name, prompt))
        self.pairs = [(n, p) for n in self.photos for p in self.prompts if self.can_answer(self.key(n, p))]
        names = list(dict.fromkeys(n for n, _ in self.pairs)) if self.recordings is not None else list(self.photos)
        self.photo = widgets.Dropdown(
            options=names, value=names[0] if names else None, description=tr("photo"), style=STYLE
        )
        prompts = self._prompts_for(self.photo.value)
        self.prompt = _choice(prompts, prompts[0] if prompts else None, self.recordings is None, tr("prompt"))
        self.image = widgets.Image(format="jpeg", layout=widgets.Layout(max_width="360px"))
        self.photo.observe(lambda _: self.photo_changed(), names="value")
        self.prompt.observe(lambda _: self.update(), names="value")
        self.box.children = [
            widgets.HTML(tr("<b>Describe a photo</b> with {model}", model=model.model_name.removeprefix("models/"))),
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
            self.status.value = _status(
                tr("{mode}: any photo, any prompt; each click calls Gemini", mode=mode_name(self.mode))
            )
        elif self.photo.value and self.prompt.value:
            self.status.value = _status(tr("recorded: replay answers this photo and prompt"))
        else:
            self.status.value = _status(
                tr("nothing recorded for this photo; describing it {needs_a_key}", needs_a_key=needs_a_key()),
                ok=False,
            )

    def answer(self) -> None:
        name, prompt = self.photo.value, (self.prompt.value or "").strip()
        if not name or not prompt:
            md(tr("*Choose a photo and a prompt first.*"))
            return
        if not self.can_answer(self.key(name, prompt)):
            self.refuse(tr("The prompt {prompt} with {photo}", prompt=quote(prompt), photo=name))
            return
        show(self.describe(name, prompt))

    def summary(self) -> list[str]:
        pairs = self.pairs if self.recordings is not None else [(n, p) for n in self.photos for p in self.prompts]
        return [
            self.mode_line(
                tr("the {count} recorded photo and prompt pairs", count=len(pairs)),
                tr("any photo in the list, any prompt"),
            ),
            *(f"  - {name}: {quote(prompt)}" for name, prompt in pairs),
        ]
