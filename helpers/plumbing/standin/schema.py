"""Checking authored JSON against the schema a request asks for.

A request gives a schema in one of two dialects: the API's own ``Schema``
(OpenAPI-like: ``type: OBJECT``, ``nullable``, ``format: enum``...; the SDKs
send it as ``responseSchema`` and function ``parameters``) or plain JSON Schema
(``responseJsonSchema``, ``parametersJsonSchema``, the Interactions API). Both
are turned into JSON Schema and checked with ``jsonschema``.

The model never writes a property its schema does not name, so an object with
``properties`` rejects any other key unless its schema says otherwise
(``additionalProperties``): a typo in an authored answer is caught.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from .problems import authoring_error

#: Keys of the API's ``Schema`` that have no meaning for validation.
_DROPPED = {"propertyOrdering", "property_ordering", "example", "format"}
_RENAMED = {
    "min_items": "minItems",
    "max_items": "maxItems",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_properties": "minProperties",
    "max_properties": "maxProperties",
    "any_of": "anyOf",
    "additional_properties": "additionalProperties",
}


def from_api_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The API's ``Schema`` (``type: STRING``, ``nullable``...) as JSON Schema."""
    result: dict[str, Any] = {}
    for key, value in schema.items():
        key = _RENAMED.get(key, key)
        if key in _DROPPED or key == "nullable":
            continue
        if key == "type":
            result["type"] = str(value).lower()
        elif key == "properties":
            result["properties"] = {name: from_api_schema(sub) for name, sub in value.items()}
        elif key == "items":
            result["items"] = from_api_schema(value)
        elif key == "anyOf":
            result["anyOf"] = [from_api_schema(sub) for sub in value]
        elif key in ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"):
            result[key] = int(value)
        else:
            result[key] = value
    if schema.get("nullable") and "type" in result:
        result["type"] = [result["type"], "null"]
    return result


def closed(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` on every object that names its properties."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if "properties" in result and isinstance(result["properties"], dict) and "additionalProperties" not in result:
        result["additionalProperties"] = False
    if "properties" in schema:  # property names are data, not schemas: keep them as they are
        result["properties"] = {name: closed(sub) for name, sub in schema["properties"].items()}
    return result


def problems(value: Any, schema: dict[str, Any]) -> list[str]:
    """Every way ``value`` misses ``schema`` (JSON Schema), as readable lines; none when it fits."""
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = validator_class(closed(schema))
    found = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    return [f"at {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in found]


def check_json(text: str, schema: dict[str, Any] | None, what: str) -> Any:
    """Parse authored JSON ``text`` and check it against ``schema``; a loud 500 when it does not fit."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise authoring_error(
            f"authored answer does not validate: {what} is not JSON ({error}): {text[:200]!r}"
        ) from error
    if schema is not None:
        found = problems(value, schema)
        if found:
            raise authoring_error(f"authored answer does not validate: {what}: " + "; ".join(found))
    return value


def check_enum(text: str, schema: dict[str, Any]) -> None:
    """An authored ``text/x.enum`` answer must be one of the schema's values."""
    allowed = schema.get("enum") or []
    if text not in allowed:
        raise authoring_error(f"authored answer does not validate: {text!r} is not one of the enum values {allowed}")


def example(schema: dict[str, Any], text: str, root: dict[str, Any] | None = None) -> Any:
    """A value that fits ``schema`` (JSON Schema), its strings saying ``text``: the echo answer to a schema."""
    root = root if root is not None else schema
    if "$ref" in schema:
        target: Any = root
        for key in schema["$ref"].removeprefix("#/").split("/"):
            target = target[key]
        return example(target, text, root)
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example(options[0], text, root)
    if schema.get("allOf"):
        return example(schema["allOf"][0], text, root)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    return _example_of(kind, schema, text, root)


def _example_of(kind: str, schema: dict[str, Any], text: str, root: dict[str, Any]) -> Any:
    """An example of one JSON type."""
    if kind == "object":
        return {name: example(sub, text, root) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [example(schema.get("items") or {}, text, root) for _ in range(max(1, int(schema.get("minItems", 1))))]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = max(0, low + (1 if "exclusiveMinimum" in schema else 0))
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    formats = {"date": "2026-11-20", "date-time": "2026-11-20T09:00:00Z", "time": "09:00:00"}
    return formats.get(schema.get("format", ""), text)
