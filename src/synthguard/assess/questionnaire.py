"""The operator's questionnaire: what no system can know (people, identity checks, channels).

A YAML file (see ``examples/assessment/questionnaire.yaml``, documented field by field) checked
against :data:`SPEC`. Validation collects *every* problem at once: missing answers, wrong types,
values out of range, unknown fields (typos, with a suggestion), so the operator fixes the file in
one pass. With ``allow_missing=True`` missing *item* answers are tolerated and the report rates
those items red ("not answered"); the identifying sections (entity, service, function, trigger)
are always required.

Example:
    >>> problems = validate_questionnaire({"schema_version": 1})
    >>> problems[0].path, problems[0].kind
    ('entity.name', 'missing')
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import ConfigError

__all__ = [
    "ALWAYS_REQUIRED",
    "SPEC",
    "TRIGGERS",
    "Answer",
    "Problem",
    "Questionnaire",
    "QuestionnaireError",
    "load_questionnaire",
    "parse_questionnaire",
    "questionnaire_from_bytes",
    "validate_questionnaire",
]

#: The five occasions for an assessment (2018 Security Assessment Provisions, Art. 3):
#: code -> (English, Chinese).
TRIGGERS: dict[str, tuple[str, str]] = {
    "new_function": (
        "A service or function with public-opinion attributes or social mobilisation capacity is launched",
        "具有舆论属性或社会动员能力的信息服务上线，或者信息服务增设相关功能",
    ),
    "new_technology": (
        "New technology or applications materially change the function, or its reach",
        "使用新技术新应用，使信息服务的功能属性、技术实现方式、基础资源配置等发生重大变更",
    ),
    "user_growth": ("The number of users grows significantly", "用户规模显著增加"),
    "harmful_spread": (
        "Illegal or harmful content spreads and existing controls are hard to apply",
        "发生违法有害信息传播扩散，表明已有安全措施难以有效防控网络安全风险",
    ),
    "authority_request": (
        "The cyberspace or public-security authorities require it in writing",
        "地市级以上网信部门或者公安机关书面通知需要进行安全评估",
    ),
}

Kind = Literal["str", "bool", "int", "number", "date", "enum", "list[str]", "list[enum]", "list[obj]"]


@dataclass(frozen=True, slots=True)
class Answer:
    """What one questionnaire field must hold.

    Attributes:
        kind: the value type.
        required: a missing value is a problem.
        choices: allowed values for ``enum`` / ``list[enum]``.
        minimum / maximum: bounds for numbers.
        item: for ``list[obj]``, the spec of each element's fields.
        help: one line shown with a problem, saying what to put there.
    """

    kind: Kind
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    item: Mapping[str, Answer] = field(default_factory=dict)
    help: str = ""


_CHANNELS = ("in_app", "web", "phone", "email", "postal", "other")
_SCOPES = ("names", "profiles", "posts", "comments", "groups", "live_rooms", "messages")
_LOG_FIELDS = (
    "account",
    "time",
    "operation",
    "source_ip",
    "destination_ip",
    "source_port",
    "device",
    "content",
)
_CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")

#: Every field, by dotted path. Required answers are the default; optional ones say so.
SPEC: dict[str, Answer] = {
    "schema_version": Answer("int", minimum=1, maximum=1, help="always 1"),
    "entity.name": Answer("str", help="legal name of the operating company"),
    "entity.credit_code": Answer("str", help="unified social credit code (统一社会信用代码), 18 characters"),
    "entity.address": Answer("str"),
    "entity.legal_representative": Answer("str"),
    "entity.contact.name": Answer("str"),
    "entity.contact.phone": Answer("str"),
    "entity.contact.email": Answer("str"),
    "service.name": Answer("str", help="the app / site / product name"),
    "service.url": Answer("str", required=False),
    "service.description": Answer("str"),
    "function.name": Answer("str", help="the function assessed, e.g. 'AI face swap' or 'voice rooms'"),
    "function.description": Answer("str"),
    "function.launch_date": Answer("date", help="planned or actual launch, YYYY-MM-DD"),
    "function.public_opinion_attributes": Answer("bool"),
    "function.mobilisation_capacity": Answer("bool"),
    "trigger.code": Answer("enum", choices=tuple(TRIGGERS)),
    "trigger.details": Answer(
        "str", help="what happened: launch plan, growth figures, the authority's letter"
    ),
    "assessor.name": Answer("str", required=False),
    "assessor.date": Answer("date", required=False),
    "security_lead.name": Answer("str", help="the person responsible for information security"),
    "security_lead.title": Answer("str"),
    "security_lead.phone": Answer("str"),
    "security_lead.email": Answer("str", required=False),
    "security_lead.appointed_on": Answer("date", required=False),
    "reviewers.headcount": Answer("int", minimum=0, help="content reviewers (people), all shifts"),
    "reviewers.full_time": Answer("int", minimum=0),
    "reviewers.trained": Answer("bool", help="reviewers completed content-security training"),
    "reviewers.coverage_hours_per_day": Answer("int", minimum=0, maximum=24),
    "real_identity.verified": Answer("bool", help="users are verified by real identity before posting"),
    "real_identity.methods": Answer("list[str]", help="e.g. [mobile number, ID card, face match]"),
    "real_identity.applies_to": Answer("str", help="which users / actions need verification"),
    "real_identity.registration_data_retained": Answer("bool"),
    "real_identity.retention_days": Answer("int", minimum=0),
    "logs.fields": Answer("list[enum]", choices=_LOG_FIELDS, help="what the platform's own logs record"),
    "logs.retention_days": Answer("int", minimum=0, help="how long those logs are kept (law: >= 180)"),
    "logs.system": Answer("str", required=False, help="where they are kept"),
    "harmful_content.feature_library": Answer(
        "bool", help="a library of features of illegal/harmful content"
    ),
    "harmful_content.scopes": Answer("list[enum]", choices=_SCOPES, help="where content is checked"),
    "harmful_content.manual_review": Answer("bool"),
    "harmful_content.rumour_refutation": Answer("bool"),
    "harmful_content.records_kept": Answer("bool", help="handling records are kept"),
    "harmful_content.records_retention_days": Answer("int", minimum=0),
    "personal_information.policy_url": Answer("str"),
    "personal_information.minimisation": Answer("bool"),
    "personal_information.encryption_at_rest": Answer("bool"),
    "personal_information.access_controls": Answer("str"),
    "mobilisation_controls.rate_limits": Answer("bool", help="limits on mass posting, invites, forwarding"),
    "mobilisation_controls.group_size_limit": Answer("int", required=False, minimum=1),
    "mobilisation_controls.live_room_monitoring": Answer("bool"),
    "mobilisation_controls.emergency_shutdown": Answer("bool", help="the function can be switched off fast"),
    "mobilisation_controls.description": Answer("str", required=False),
    "complaints.channels": Answer(
        "list[obj]",
        item={"type": Answer("enum", choices=_CHANNELS), "address": Answer("str")},
        help="at least one public channel",
    ),
    "complaints.response_hours": Answer("int", minimum=0),
    "complaints.received_in_period": Answer("int", required=False, minimum=0),
    "regulator_support.liaison.name": Answer("str"),
    "regulator_support.liaison.phone": Answer("str"),
    "regulator_support.data_export": Answer("bool", help="records can be exported for the authorities"),
    "regulator_support.technical_interface": Answer("bool"),
    "regulator_support.response_hours": Answer("int", minimum=0),
    "labelling.implicit.propagator": Answer("str", help="ContentPropagator name or code written in files"),
    "labelling.implicit.containers": Answer("list[str]", help="formats whose metadata gets the label"),
    "labelling.implicit.integrity": Answer("enum", choices=("hmac", "ed25519", "none")),
    "labelling.explicit.wording": Answer("str", help='e.g. "AI生成"'),
    "labelling.explicit.image_corner": Answer("enum", choices=_CORNERS),
    "labelling.explicit.height_ratio": Answer("number", minimum=0.0, maximum=1.0),
    "labelling.explicit.video_seconds": Answer("number", required=False, minimum=0.0),
    "labelling.explicit.audio_prompt": Answer("enum", choices=("morse", "spoken", "none")),
    "labelling.recipients_log.enabled": Answer("bool", help="logs of who received unlabelled content"),
    "labelling.recipients_log.retention_days": Answer("int", minimum=0),
    "incidents": Answer(
        "list[obj]",
        required=False,
        item={
            "date": Answer("date"),
            "description": Answer("str"),
            "handling": Answer("str"),
        },
    ),
}

#: Sections without which no report can be identified: always required, even with allow_missing.
ALWAYS_REQUIRED = ("schema_version", "entity.", "service.", "function.", "trigger.")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a questionnaire: where, what, and whether the answer is missing or invalid."""

    path: str
    message: str
    kind: Literal["missing", "invalid", "unknown"]

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class QuestionnaireError(ConfigError):
    """The questionnaire has problems; ``problems`` lists every one (the message names them all)."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) in the questionnaire:\n{lines}")


_MISSING = object()


def _lookup(data: Any, path: str) -> Any:
    cur = data
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def _check(path: str, spec: Answer, value: Any) -> list[Problem]:
    if (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (spec.kind.startswith("list") and isinstance(value, list) and not value and spec.required)
    ):
        if spec.required:
            hint = f" ({spec.help})" if spec.help else ""
            return [Problem(path, f"no answer{hint}", "missing")]
        return []
    k = spec.kind
    bad = lambda msg: [Problem(path, msg, "invalid")]  # noqa: E731
    if k == "str":
        return (
            []
            if isinstance(value, str | int | float) and not isinstance(value, bool)
            else bad(f"expected text, got {type(value).__name__}")
        )
    if k == "bool":
        return [] if isinstance(value, bool) else bad(f"expected true or false, got {value!r}")
    if k in ("int", "number"):
        ok = isinstance(value, int) if k == "int" else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            return bad(f"expected {'a whole number' if k == 'int' else 'a number'}, got {value!r}")
        if spec.minimum is not None and value < spec.minimum:
            return bad(f"{value} is below the minimum {spec.minimum:g}")
        if spec.maximum is not None and value > spec.maximum:
            return bad(f"{value} is above the maximum {spec.maximum:g}")
        return []
    if k == "date":
        if isinstance(value, date):
            return []
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return bad(f"expected a date YYYY-MM-DD, got {value!r}")
        return []
    if k == "enum":
        return [] if value in spec.choices else bad(f"{value!r} is not one of: {', '.join(spec.choices)}")
    if not isinstance(value, list):
        return bad(f"expected a list, got {type(value).__name__}")
    out: list[Problem] = []
    for i, v in enumerate(value):
        if k == "list[str]" and not isinstance(v, str | int | float):
            out.append(Problem(f"{path}[{i}]", f"expected text, got {type(v).__name__}", "invalid"))
        elif k == "list[enum]" and v not in spec.choices:
            out.append(Problem(f"{path}[{i}]", f"{v!r} is not one of: {', '.join(spec.choices)}", "invalid"))
        elif k == "list[obj]":
            if not isinstance(v, Mapping):
                out.append(Problem(f"{path}[{i}]", f"expected a mapping, got {type(v).__name__}", "invalid"))
                continue
            for name, sub in spec.item.items():
                out += _check(f"{path}[{i}].{name}", sub, v.get(name))
            for name in v:
                if name not in spec.item:
                    out.append(_unknown(f"{path}[{i}].{name}", name, list(spec.item)))
    return out


def _unknown(path: str, name: str, known: Sequence[str]) -> Problem:
    near = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return Problem(path, f"unknown field{hint}", "unknown")


def _known_paths() -> tuple[set[str], set[str]]:
    leaves = set(SPEC)
    groups = {".".join(p.split(".")[:i]) for p in SPEC for i in range(1, p.count(".") + 1)}
    return leaves, groups


def _walk_unknown(data: Mapping[str, Any], prefix: str = "") -> list[Problem]:
    leaves, groups = _known_paths()
    out: list[Problem] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if path in leaves:
            continue
        if path in groups:
            if isinstance(value, Mapping):
                out += _walk_unknown(value, path + ".")
            else:
                out.append(
                    Problem(path, f"expected a section (mapping), got {type(value).__name__}", "invalid")
                )
            continue
        siblings = [p[len(prefix) :].split(".")[0] for p in leaves | groups if p.startswith(prefix)]
        out.append(_unknown(path, str(key), sorted(set(siblings))))
    return out


def validate_questionnaire(data: Any) -> list[Problem]:
    """Every problem in a parsed questionnaire (empty list: valid), in :data:`SPEC` order."""
    if not isinstance(data, Mapping):
        return [Problem("(top)", f"expected a YAML mapping, got {type(data).__name__}", "invalid")]
    out: list[Problem] = []
    for path, spec in SPEC.items():
        value = _lookup(data, path)
        out += _check(path, spec, None if value is _MISSING else value)
    out += _walk_unknown(data)
    return out


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire.

    Attributes:
        data: the parsed answers (treat as read-only).
        missing: dotted paths of required answers that are missing (only with ``allow_missing``).
        source: file name or description.
        sha256: hash of the file's bytes (recorded in the report).
    """

    data: Mapping[str, Any]
    missing: tuple[str, ...] = ()
    source: str = ""
    sha256: str = ""

    def get(self, path: str, default: Any = None) -> Any:
        """The answer at a dotted path, or ``default`` when absent or empty."""
        value = _lookup(self.data, path)
        return default if value is _MISSING or value is None or value == "" else value

    def missing_under(self, *prefixes: str) -> tuple[str, ...]:
        """Missing answers under any of the given section prefixes."""
        return tuple(m for m in self.missing if any(m == p or m.startswith(p + ".") for p in prefixes))


def parse_questionnaire(
    data: Any, *, source: str = "questionnaire", sha256: str = "", allow_missing: bool = False
) -> Questionnaire:
    """Validate parsed YAML and wrap it.

    Raises:
        QuestionnaireError: listing every problem (missing answers only count when not
            ``allow_missing``, or when they are in the identifying sections).
    """
    problems = validate_questionnaire(data)
    fatal = [
        p
        for p in problems
        if p.kind != "missing" or not allow_missing or any(p.path.startswith(a) for a in ALWAYS_REQUIRED)
    ]
    if fatal:
        raise QuestionnaireError(source, fatal)
    missing = tuple(p.path for p in problems if p.kind == "missing")
    return Questionnaire(data=data, missing=missing, source=source, sha256=sha256)


def load_questionnaire(path: str | Path, *, allow_missing: bool = False) -> Questionnaire:
    """Read and validate a questionnaire YAML file.

    Raises:
        ConfigError: the file cannot be read or is not YAML.
        QuestionnaireError: the answers have problems (all of them listed).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read questionnaire {p}: {exc.strerror or exc}") from exc
    return questionnaire_from_bytes(raw, source=str(p), allow_missing=allow_missing)


def questionnaire_from_bytes(
    raw: bytes | str, *, source: str = "questionnaire", allow_missing: bool = False
) -> Questionnaire:
    """Parse and validate questionnaire YAML given as bytes or text (e.g. an upload to the service).

    Raises:
        ConfigError: not UTF-8 YAML.
        QuestionnaireError: the answers have problems (all of them listed).
    """
    data_bytes = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        data = yaml.safe_load(data_bytes.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"questionnaire {source} is not valid UTF-8 YAML: {exc}") from exc
    return parse_questionnaire(
        data, source=source, sha256=hashlib.sha256(data_bytes).hexdigest(), allow_missing=allow_missing
    )
