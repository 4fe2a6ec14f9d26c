"""JSON Schemas of h5p.json and library.json, as the H5P specification describes them
(https://h5p.org/documentation/developers/json-file-definitions). Versions may be given
as numbers or numeric strings: the hub's own exports write h5p.json's as strings."""

MACHINE_NAME = r"^[\w.\-]{1,255}$"
_VERSION = {
    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": r"^\d{1,9}$"}]
}

DEPENDENCY = {
    "type": "object",
    "required": ["machineName", "majorVersion", "minorVersion"],
    "properties": {
        "machineName": {"type": "string", "pattern": MACHINE_NAME},
        "majorVersion": _VERSION,
        "minorVersion": _VERSION,
    },
}
_DEPENDENCIES = {"type": "array", "items": DEPENDENCY, "maxItems": 500}
_FILES = {
    "type": "array",
    "maxItems": 500,
    "items": {
        "type": "object",
        "required": ["path"],
        "properties": {"path": {"type": "string", "minLength": 1, "maxLength": 1000}},
    },
}

H5P_JSON = {
    "type": "object",
    "required": ["title", "mainLibrary", "language", "preloadedDependencies", "embedTypes"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 255},
        "mainLibrary": {"type": "string", "pattern": MACHINE_NAME},
        "language": {"type": "string", "maxLength": 32},
        "preloadedDependencies": {**_DEPENDENCIES, "minItems": 1},
        "dynamicDependencies": _DEPENDENCIES,
        "embedTypes": {
            "type": "array",
            "minItems": 1,
            "items": {"enum": ["div", "iframe"]},
        },
        "license": {"type": "string"},
        "authors": {"type": "array"},
    },
}

LIBRARY_JSON = {
    "type": "object",
    "required": [
        "title",
        "machineName",
        "majorVersion",
        "minorVersion",
        "patchVersion",
        "runnable",
    ],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 255},
        "machineName": {"type": "string", "pattern": MACHINE_NAME},
        "majorVersion": {"type": "integer", "minimum": 0},
        "minorVersion": {"type": "integer", "minimum": 0},
        "patchVersion": {"type": "integer", "minimum": 0},
        "runnable": {"enum": [0, 1, True, False]},
        "preloadedJs": _FILES,
        "preloadedCss": _FILES,
        "preloadedDependencies": _DEPENDENCIES,
        "dynamicDependencies": _DEPENDENCIES,
        "editorDependencies": _DEPENDENCIES,
        "embedTypes": {"type": "array", "items": {"enum": ["div", "iframe"]}},
        "coreApi": {"type": "object"},
    },
}
