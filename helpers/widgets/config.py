"""02_config: the playground, sliders for the generation config on one prompt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..display import candidate_text, finish_reason, md, show
from ..plumbing.errors import quote
from ..plumbing.i18n import later, tr
from .panel import STYLE, Panel, _status, mode_name, needs_a_key
from .recorded import RequestKey, generate_key


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
        stops = ", ".join(quote(s) for s in self.stop_sequences) or tr("none")
        return tr(
            "temperature {temperature} · max {max_output_tokens} tokens · stop {stops}",
            temperature=repr(self.temperature),
            max_output_tokens=self.max_output_tokens,
            stops=stops,
        )


def empty_answer_note(response: Any, preset: Preset) -> str:
    """Why an answer cut off at ``max_output_tokens`` has no text at all ("" when it has text).

    On a thinking model the thinking is counted against ``max_output_tokens``
    before the answer begins, so a small limit can be spent on thinking alone.
    ``google-generativeai`` shows no thinking count of its own, but the total
    includes it: thinking = total - prompt - answer tokens.
    """
    candidates = list(getattr(response, "candidates", []) or [])
    if not candidates or candidate_text(candidates[0]) or finish_reason(candidates[0]) != "MAX_TOKENS":
        return ""
    usage = getattr(response, "usage_metadata", None)
    total = getattr(usage, "total_token_count", 0) or 0
    prompt = getattr(usage, "prompt_token_count", 0) or 0
    answer = getattr(usage, "candidates_token_count", 0) or 0
    thinking = max(total - prompt - answer, 0)
    if thinking:
        return tr(
            "**Why there is no text:** this model thinks before it answers, and thinking counts against "
            "`max_output_tokens`. With a limit of {limit}, it spent {thinking} tokens thinking (total {total} - "
            "prompt {prompt} - answer {answer}), so nothing was left for the answer. Raise *max tokens* to a few "
            "hundred or more. `google-generativeai` cannot turn thinking down (its `GenerationConfig` has no "
            "`thinking_config`); `google-genai` can, with `types.ThinkingConfig` (see the end of this notebook).",
            limit=preset.max_output_tokens,
            thinking=thinking,
            total=total,
            prompt=prompt,
            answer=answer,
        )
    return tr(
        "**Why there is no text:** this model thinks before it answers, and thinking counts against "
        "`max_output_tokens`. With a limit of {limit}, the limit was used up before any text, so nothing was left "
        "for the answer. Raise *max tokens* to a few hundred or more. `google-generativeai` cannot turn thinking "
        "down (its `GenerationConfig` has no `thinking_config`); `google-genai` can, with `types.ThinkingConfig` "
        "(see the end of this notebook).",
        limit=preset.max_output_tokens,
    )


class Playground(Panel):
    """Sliders for temperature and max_output_tokens, stop sequences, and a Generate button."""

    title = later("Playground")

    def __init__(self, model: Any, prompt: str, presets: Iterable[Preset | Mapping[str, Any]]) -> None:
        super().__init__(tr("Generate"))
        self.model, self.prompt = model, prompt
        self.presets = list(dict.fromkeys(Preset.of(p) for p in presets))
        for preset in self.presets:
            self.record(lambda preset=preset: self.generate(preset))
        self.offered = [p for p in self.presets if self.can_answer(self.key(p))]
        first = self.offered[0] if self.offered else Preset(1.0, 200)
        top = max([1024, *(p.max_output_tokens for p in self.presets)])
        self.preset = widgets.Dropdown(
            options=[(p.label(), p) for p in self.offered],
            value=self.offered[0] if self.offered else None,
            description=tr("Preset"),
            layout=widgets.Layout(width="95%"),
            style=STYLE,
        )
        self.temperature = widgets.FloatSlider(
            value=first.temperature, min=0, max=2, step=0.05, description=tr("temperature"), style=STYLE
        )
        self.max_tokens = widgets.IntSlider(
            value=first.max_output_tokens, min=1, max=top, description=tr("max tokens"), style=STYLE
        )
        self.stops = widgets.Text(
            value=", ".join(first.stop_sequences),
            description=tr("stop"),
            placeholder=tr("comma-separated, e.g. space"),
            style=STYLE,
        )
        self.preset.observe(self._apply_preset, names="value")
        for control in (self.temperature, self.max_tokens, self.stops):
            control.observe(lambda _: self.update(), names="value")
        header = widgets.HTML(tr("<b>Playground</b> · prompt: {prompt}", prompt=quote(prompt, 120)))
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
            self.status.value = _status(
                tr("{mode}: each click calls {model}", mode=mode_name(self.mode), model=self.model.model_name)
            )
        elif self.can_answer(self.key(self.current())):
            self.status.value = _status(tr("recorded: replay answers this setting"))
        else:
            self.status.value = _status(
                tr(
                    "not recorded: replay answers only the {count} presets; this setting {needs_a_key}",
                    count=len(self.offered),
                    needs_a_key=needs_a_key(),
                ),
                ok=False,
            )

    def answer(self) -> None:
        preset = self.current()
        if not self.can_answer(self.key(preset)):
            self.refuse(tr("The setting {setting}", setting=preset.label()))
            return
        response = self.generate(preset)
        show(response)
        note = empty_answer_note(response, preset)
        if note:
            md(note)

    def summary(self) -> list[str]:
        offered = self.offered if self.recordings is not None else self.presets
        return [
            tr("Prompt: {prompt}", prompt=quote(self.prompt)),
            self.mode_line(
                tr("the {count} recorded settings", count=len(offered)),
                tr("any temperature, max_output_tokens and stop"),
            ),
            *(f"  - {p.label()}" for p in offered),
        ]
