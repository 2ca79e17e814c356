"""Build an :class:`~synthguard.assess.model.Assessment` from the three sources, with the status logic.

Each item combines the operator's answers (questionnaire), synthguard's measurements (facts) and,
for the Art. 6 decision, detector quality (bench). The rules are deliberately simple and each one
adds a reason line, so a reader can see exactly why an item is red, amber or green:

* a missing answer -> red ("not answered");
* a declared or measured violation of a hard rule (retention < 180 days, no complaint channel,
  non-compliant label wording...) -> red;
* a gap that weakens the control or evidence that cannot be shown from the records -> amber;
* otherwise green.

Thresholds the texts do not fix are module constants, marked (unverified) where the source is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .._version import __version__
from .bench import DEFAULT_BENCH_DIRS, latest_bench_results
from .facts import FactsSource, MeasuredFacts, Period
from .labelling import build_materials
from .model import (
    STATUS_TEXT,
    Assessment,
    BenchSummary,
    Conclusion,
    Entity,
    EvidenceLine,
    FunctionInfo,
    Item,
    LabellingMaterials,
    Status,
    TriggerInfo,
    worst,
)
from .questionnaire import SPEC, TRIGGERS, Questionnaire

__all__ = [
    "COMPLAINT_RESPONSE_HOURS",
    "LOG_FIELDS_REQUIRED",
    "MIN_COVERAGE",
    "MIN_RETENTION_DAYS",
    "build_report",
    "fmt_seconds",
]

#: Logs and recipient logs are kept at least 6 months (Cybersecurity Law Art. 21; Measures Art. 9).
MIN_RETENTION_DAYS = 180
#: Fields the 2018 Provisions Art. 5(3) list for logs.
LOG_FIELDS_REQUIRED = ("account", "time", "operation", "source_ip", "destination_ip", "source_port", "device")
#: Share of records that must carry a field before we call it "recorded".
MIN_COVERAGE = 0.99
#: Complaints answered within this many hours (unverified: platforms' common public commitment).
COMPLAINT_RESPONSE_HOURS = 24
#: Label-write coverage below this is amber.
MIN_LABEL_WRITE_COVERAGE = 0.95
#: A detector whose clean AUC is below this is called weak in the Art. 6 item.
WEAK_AUC = 0.7
#: Review latency (p90) above this is amber.
MAX_REVIEW_P90_SECONDS = 24 * 3600.0

_HARMFUL_SCOPES = ("names", "profiles", "posts", "comments", "groups")


def fmt_seconds(s: float | None) -> str | None:
    """A duration for people: ``42 s``, ``7.5 min``, ``3.2 h``, ``2.1 d`` (None stays None)."""
    if s is None:
        return None
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.1f} min"
    if s < 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def _pct(x: float | None) -> str | None:
    return None if x is None else f"{100 * x:.1f}%"


def _yn(v: Any) -> str | None:
    return None if v is None else ("yes / 是" if v else "no / 否")


@dataclass
class _Draft:
    """Collects evidence and findings of one item; the status is the worst finding."""

    evidence: list[EvidenceLine] = field(default_factory=list)
    findings: list[tuple[Status, str]] = field(default_factory=list)
    situation: list[str] = field(default_factory=list)

    def ev(self, label: str, label_zh: str, value: Any, source: str) -> None:
        shown = None if value is None else str(value)
        self.evidence.append(
            EvidenceLine(label, label_zh, shown, source if shown is not None else "not recorded")
        )

    def q(self, q: Questionnaire, path: str, label: str, label_zh: str, fmt: Any = None) -> Any:
        value = q.get(path)
        shown = value if fmt is None or value is None else fmt(value)
        if isinstance(shown, list | tuple):
            shown = ", ".join(str(v) for v in shown)
        self.evidence.append(
            EvidenceLine(
                label,
                label_zh,
                None if shown is None else str(shown),
                "questionnaire" if shown is not None else "not answered",
            )
        )
        return value

    def red(self, why: str) -> None:
        self.findings.append(("red", why))

    def amber(self, why: str) -> None:
        self.findings.append(("amber", why))

    def missing(self, q: Questionnaire, *prefixes: str) -> None:
        for path in q.missing_under(*prefixes):
            hint = SPEC[path].help if path in SPEC else ""
            self.red(f"not answered: {path}" + (f" ({hint})" if hint else ""))

    def item(self, number: int, id: str, title: str, title_zh: str, req: str, req_zh: str) -> Item:
        status = worst(s for s, _ in self.findings)
        reasons = tuple(why for s, why in sorted(self.findings, key=lambda f: {"red": 0, "amber": 1}[f[0]]))
        if not reasons:
            reasons = ("all checks passed",)
        return Item(
            id,
            number,
            title,
            title_zh,
            req,
            req_zh,
            " ".join(self.situation),
            tuple(self.evidence),
            status,
            reasons,
        )


# --------------------------------------------------------------------------- items


def _security_lead(q: Questionnaire, f: MeasuredFacts) -> _Draft:
    d = _Draft()
    d.missing(q, "security_lead", "reviewers")
    lead = d.q(q, "security_lead.name", "Security lead", "安全管理负责人")
    d.q(q, "security_lead.title", "Title", "职务")
    d.q(q, "security_lead.phone", "Phone", "联系电话")
    head = d.q(q, "reviewers.headcount", "Reviewers (declared)", "信息审核人员（申报）")
    d.q(q, "reviewers.full_time", "Of which full-time", "其中专职")
    trained = d.q(q, "reviewers.trained", "Reviewers trained", "审核人员经培训", _yn)
    hours = d.q(
        q, "reviewers.coverage_hours_per_day", "Review coverage, hours per day", "每日审核覆盖时长（小时）"
    )
    d.ev("Reviewers who decided in the period", "本期实际作出审核决定的人数", f.reviewers, "store")
    d.ev("Review decisions in the period", "本期审核决定数", f.reviewed, "store")
    if head == 0:
        d.red("no content reviewers declared")
    if trained is False:
        d.amber("reviewers have not completed training")
    if isinstance(hours, int) and hours < 24:
        d.amber(f"review is staffed {hours} h a day, not around the clock")
    if f.review_queued and not f.reviewed:
        d.red(f"{f.review_queued} items went to human review but no review decision is recorded")
    if isinstance(head, int) and f.reviewers > head:
        d.amber(f"{f.reviewers} people made review decisions in synthguard, more than the {head} declared")
    d.situation.append(
        f"Security lead: {lead or 'not named'}. {head if head is not None else 'An unknown number of'} reviewers "
        f"declared; {f.reviewers} of them recorded {f.reviewed} review decisions in synthguard during the period."
    )
    return d


def _real_identity(q: Questionnaire, f: MeasuredFacts) -> _Draft:
    d = _Draft()
    d.missing(q, "real_identity")
    verified = d.q(q, "real_identity.verified", "Real-identity verification", "真实身份信息认证", _yn)
    methods = d.q(q, "real_identity.methods", "Methods", "认证方式")
    d.q(q, "real_identity.applies_to", "Applies to", "适用范围")
    kept = d.q(
        q, "real_identity.registration_data_retained", "Registration data retained", "留存注册信息", _yn
    )
    days = d.q(q, "real_identity.retention_days", "Registration data kept (days)", "注册信息留存天数")
    d.ev("Measured by synthguard", "系统实测", None, "not recorded")
    if verified is False:
        d.red("users are not verified by real identity")
    if kept is False:
        d.red("registration data is not retained")
    if isinstance(days, int) and days < MIN_RETENTION_DAYS:
        d.amber(f"registration data kept {days} days (< {MIN_RETENTION_DAYS})")
    d.situation.append(
        "Declared by the operator (synthguard holds no identity data): verification "
        f"{'in place' if verified else 'not in place' if verified is False else 'not stated'}"
        + (f" by {', '.join(map(str, methods))}." if methods else ".")
    )
    return d


def _logs(q: Questionnaire, f: MeasuredFacts) -> _Draft:
    d = _Draft()
    d.missing(q, "logs")
    fields = d.q(q, "logs.fields", "Fields in the platform's logs", "平台日志记录字段")
    days = d.q(q, "logs.retention_days", "Platform log retention (days)", "平台日志留存天数")
    d.q(q, "logs.system", "Where kept", "留存系统")
    d.ev("synthguard audit records in the period", "本期审计日志条数", f.audit_records, "store")
    for name in ("account", "time", "operation", "source_ip", "source_port", "device"):
        d.ev(
            f"synthguard audit log: share with {name}",
            f"审计日志含 {name} 的比例",
            _pct(f.audit_field_coverage.get(name)),
            "store",
        )
    d.ev("synthguard audit log: destination IP", "审计日志：目的IP", None, "not recorded")
    d.ev(
        "Oldest audit record held",
        "最早审计记录",
        f.audit_oldest.isoformat() if f.audit_oldest else None,
        "store",
    )
    age = f.audit_oldest_age_days
    d.ev("Its age (days)", "其距今天数", f"{age:.0f}" if age is not None else None, "store")
    d.ev(
        "Audit retention setting in force (days)",
        "审计日志留存设置（天）",
        f"{f.audit_retention_days:g}" if f.audit_retention_days is not None else None,
        "store",
    )
    d.ev("Retention purges recorded", "留存清理记录次数", len(f.purge_runs), "store")
    d.ev("Start of the audit log", "审计日志起点", f.audit_head_message or None, "store")
    d.ev(
        "Audit hash chain",
        "审计日志哈希链校验",
        None
        if f.audit_chain_ok is None
        else ("verified / 通过" if f.audit_chain_ok else "BROKEN / 失败") + f" ({f.audit_chain_message})",
        "store",
    )
    if isinstance(fields, list):
        absent = [x for x in LOG_FIELDS_REQUIRED if x not in fields]
        if absent:
            d.red(f"the platform's logs do not record: {', '.join(absent)}")
    if isinstance(days, int) and days < MIN_RETENTION_DAYS:
        d.red(f"platform logs are kept {days} days, less than the required {MIN_RETENTION_DAYS} (6 months)")
    if f.audit_retention_days is not None and f.audit_retention_days < MIN_RETENTION_DAYS:
        d.red(
            f"synthguard's audit retention is set to {f.audit_retention_days:g} days (< {MIN_RETENTION_DAYS})"
        )
    elif f.audit_retention_days is None:
        d.amber("synthguard's audit retention setting is not recorded")
    for run in f.purge_runs:
        if run.audit_retention_days is not None and run.audit_retention_days < MIN_RETENTION_DAYS:
            d.red(
                f"retention purge on {run.at.date()} ran with audit retention {run.audit_retention_days:g} days "
                f"(< {MIN_RETENTION_DAYS}) and deleted {run.audit_deleted} records"
            )
    if f.audit_chain_ok is False:
        d.red(f"the audit log fails verification: {f.audit_chain_message}")
    if f.audit_head_ok is False:
        d.red(f"audit log: {f.audit_head_message}")
    if f.audit_oldest is None:
        d.amber("synthguard's audit log is empty: retention cannot be shown")
    weak = [
        n
        for n in ("source_ip", "source_port", "device")
        if f.audit_field_coverage and f.audit_field_coverage.get(n, 0.0) < MIN_COVERAGE
    ]
    if weak:
        d.amber(
            "synthguard's audit log lacks "
            + ", ".join(
                f"{n} in {100 * (1 - f.audit_field_coverage.get(n, 0.0)):.0f}% of user records" for n in weak
            )
        )
    d.situation.append(
        f"synthguard's audit log (append-only, hash-chained) holds records back to "
        f"{f.audit_oldest.date() if f.audit_oldest else 'nothing'}"
        + (f" ({age:.0f} days)" if age is not None else "")
        + (
            f"; retention setting {f.audit_retention_days:g} days."
            if f.audit_retention_days is not None
            else "."
        )
    )
    d.situation.append(
        f"The platform declares its own logs keep {days if days is not None else 'an unstated number of'} days "
        f"of {', '.join(fields) if isinstance(fields, list) else 'unstated fields'}."
    )
    return d


def _harmful(q: Questionnaire, f: MeasuredFacts, incidents: Sequence[Any]) -> _Draft:
    d = _Draft()
    d.missing(q, "harmful_content")
    lib = d.q(
        q,
        "harmful_content.feature_library",
        "Feature library of illegal/harmful content",
        "违法有害信息特征库",
        _yn,
    )
    scopes = d.q(q, "harmful_content.scopes", "Checked in", "防范处置范围")
    manual = d.q(q, "harmful_content.manual_review", "Manual review", "人工审核", _yn)
    rumour = d.q(q, "harmful_content.rumour_refutation", "Rumour refutation", "辟谣机制", _yn)
    records = d.q(q, "harmful_content.records_kept", "Handling records kept", "处置记录留存", _yn)
    rdays = d.q(q, "harmful_content.records_retention_days", "Records kept (days)", "记录留存天数")
    for m in ("image", "video", "audio", "other"):
        if f.scanned_by_modality.get(m) or m != "other":
            d.ev(
                f"Scanned: {m}",
                f"检测量：{ {'image': '图片', 'video': '视频', 'audio': '音频', 'other': '其他'}[m] }",
                f.scanned_by_modality.get(m, 0),
                "store",
            )
    d.ev("Scanned: total", "检测总量", f.scanned_total, "store")
    d.ev("Flagged (decision not pass)", "命中（非放行）", f.flagged, "store")
    d.ev("Sent to human review", "转人工审核", f.review_queued, "store")
    d.ev(
        "Review decisions (confirmed / overturned)",
        "审核决定（维持/推翻）",
        f"{f.reviewed} ({f.confirmed} / {f.overturned})",
        "store",
    )
    d.ev("Overturn rate", "推翻率", _pct(f.overturn_rate), "store")
    d.ev("Queued and unreviewed at period end", "期末未审核", f.review_open, "store")
    d.ev(
        "Review latency p50 / p90 / p99",
        "审核时延 p50/p90/p99",
        None
        if f.review_latency_p50 is None
        else f"{fmt_seconds(f.review_latency_p50)} / {fmt_seconds(f.review_latency_p90)} / "
        f"{fmt_seconds(f.review_latency_p99)}",
        "store",
    )
    d.ev("Scans failed", "检测失败", f.failed, "store")
    d.ev("Incidents recorded by synthguard", "系统记录的安全事件", f.incidents, "store")
    d.ev("Incidents declared by the operator", "运营者申报的安全事件", len(incidents), "questionnaire")
    if lib is False:
        d.red("no feature library of illegal/harmful content")
    if manual is False:
        d.red("no manual review")
    if records is False:
        d.red("handling records are not kept")
    if isinstance(scopes, list):
        absent = [s for s in _HARMFUL_SCOPES if s not in scopes]
        if len(absent) == len(_HARMFUL_SCOPES):
            d.red("none of names, profiles, posts, comments, groups is checked")
        elif absent:
            d.amber(f"not checked: {', '.join(absent)}")
    if rumour is False:
        d.amber("no rumour refutation mechanism")
    if isinstance(rdays, int) and rdays < MIN_RETENTION_DAYS:
        d.amber(f"handling records kept {rdays} days (< {MIN_RETENTION_DAYS})")
    if f.scanned_total == 0:
        d.amber("synthguard scanned nothing in the period: technical review is not evidenced")
    if f.review_open:
        share = f.review_open / f.review_queued if f.review_queued else 1.0
        d.amber(
            f"{f.review_open} items ({100 * share:.0f}% of those sent to review) were still unreviewed "
            "at the end of the period"
        )
    if f.review_latency_p90 is not None and f.review_latency_p90 > MAX_REVIEW_P90_SECONDS:
        d.amber(f"review latency p90 is {fmt_seconds(f.review_latency_p90)} (> 24 h)")
    if f.overturn_rate is not None and f.overturn_rate > 0.5 and f.reviewed >= 10:
        d.amber(f"reviewers overturned {_pct(f.overturn_rate)} of machine flags: thresholds need attention")
    d.situation.append(
        f"In the period synthguard scanned {f.scanned_total} items "
        f"({', '.join(f'{k} {v}' for k, v in f.scanned_by_modality.items()) or 'none'}), flagged {f.flagged}, "
        f"sent {f.review_queued} to human review; reviewers decided {f.reviewed} "
        f"(overturn rate {_pct(f.overturn_rate) or 'n/a'}), median latency "
        f"{fmt_seconds(f.review_latency_p50) or 'n/a'}."
    )
    return d


def _personal(q: Questionnaire, f: MeasuredFacts) -> _Draft:
    d = _Draft()
    d.missing(q, "personal_information", "mobilisation_controls")
    d.q(q, "personal_information.policy_url", "Privacy policy", "个人信息保护政策")
    mini = d.q(q, "personal_information.minimisation", "Data minimisation", "最小必要", _yn)
    enc = d.q(q, "personal_information.encryption_at_rest", "Encryption at rest", "存储加密", _yn)
    d.q(q, "personal_information.access_controls", "Access controls", "访问控制")
    rl = d.q(q, "mobilisation_controls.rate_limits", "Rate limits on mass actions", "批量操作限流", _yn)
    d.q(q, "mobilisation_controls.group_size_limit", "Group / room size limit", "群组/房间人数上限")
    live = d.q(
        q, "mobilisation_controls.live_room_monitoring", "Live-room monitoring", "直播间/语音房监测", _yn
    )
    stop = d.q(q, "mobilisation_controls.emergency_shutdown", "Emergency shutdown", "紧急关停", _yn)
    d.q(q, "mobilisation_controls.description", "Description", "说明")
    d.ev("Live-room alerts in the period", "本期直播间告警", f.live_alerts, "store")
    if mini is False:
        d.amber("personal data is not minimised")
    if enc is False:
        d.amber("personal data is not encrypted at rest")
    if rl is False:
        d.red("no rate limits against mass mobilisation")
    if stop is False:
        d.red("the function cannot be shut down in an emergency")
    if live is False:
        d.amber("live rooms are not monitored")
    elif live is True and f.live_alerts is None:
        d.amber("live-room monitoring is declared but synthguard's records hold no live-room data to show it")
    d.situation.append(
        "Personal-information and mobilisation controls as declared by the operator; live-room alerts "
        + (
            f"recorded by synthguard: {f.live_alerts}."
            if f.live_alerts is not None
            else "are not recorded in synthguard."
        )
    )
    return d


def _complaints(q: Questionnaire, f: MeasuredFacts) -> _Draft:
    d = _Draft()
    d.missing(q, "complaints")
    channels = q.get("complaints.channels") or []
    d.ev(
        "Channels",
        "投诉举报渠道",
        "; ".join(f"{c.get('type')}: {c.get('address')}" for c in channels if isinstance(c, dict)) or None,
        "questionnaire",
    )
    hours = d.q(q, "complaints.response_hours", "Response within (hours)", "处理时限（小时）")
    d.q(
        q,
        "complaints.received_in_period",
        "Complaints received in the period (declared)",
        "本期收到投诉（申报）",
    )
    d.ev("Machine decisions overturned on review", "经审核推翻的机器判定", f.overturned, "store")
    if not channels and "complaints.channels" not in q.missing:
        d.red("no complaint or report channel")
    if isinstance(hours, int) and hours > COMPLAINT_RESPONSE_HOURS:
        d.amber(f"complaints answered within {hours} h (> {COMPLAINT_RESPONSE_HOURS} h)")
    d.situation.append(f"{len(channels)} public complaint/report channel(s) declared.")
    return d


def _regulator(q: Questionnaire, f: MeasuredFacts) -> _Draft:
    d = _Draft()
    d.missing(q, "regulator_support")
    d.q(q, "regulator_support.liaison.name", "Liaison", "对接联系人")
    d.q(q, "regulator_support.liaison.phone", "Liaison phone", "联系电话")
    export = d.q(
        q, "regulator_support.data_export", "Records exportable for the authorities", "数据调取支持", _yn
    )
    tech = d.q(q, "regulator_support.technical_interface", "Technical interface", "技术支持接口", _yn)
    d.q(q, "regulator_support.response_hours", "Response within (hours)", "响应时限（小时）")
    d.ev("Active auditor API keys", "有效审计员密钥", f.auditor_keys, "store")
    d.ev(
        "Audit log verifiable (hash chain)",
        "审计日志可校验",
        None if f.audit_chain_ok is None else _yn(f.audit_chain_ok),
        "store",
    )
    if export is False:
        d.red("records cannot be exported for the authorities")
    if tech is False:
        d.amber("no technical interface for the authorities")
    if f.auditor_keys == 0:
        d.amber("no active auditor key: read-only access for auditors/regulators is not set up in synthguard")
    d.situation.append(
        "Technical and data support as declared; synthguard offers read-only auditor access to "
        "scans, reviews and the verifiable audit log (wording of items 7-8 unverified)."
    )
    return d


def _implicit(q: Questionnaire, f: MeasuredFacts, m: LabellingMaterials) -> _Draft:
    d = _Draft()
    d.missing(q, "labelling.implicit")
    prop = d.q(q, "labelling.implicit.propagator", "ContentPropagator written", "传播服务提供者标识")
    d.q(q, "labelling.implicit.containers", "Formats labelled", "写入标识的格式")
    integ = d.q(
        q, "labelling.implicit.integrity", "Integrity data (ReservedCode2)", "完整性校验（预留字段2）"
    )
    d.ev("Items labelled 1/2/3 in the period", "本期判定标识的内容数", f.labelled_total, "store")
    d.ev("Implicit labels written (audit label.write)", "写入隐式标识次数", f.label_writes, "store")
    d.ev("Labelled items with a label written", "已写入标识的判定内容", f.labelled_written, "store")
    d.ev("Invisible watermarks embedded", "嵌入数字水印", f.watermark_writes, "store")
    if isinstance(prop, str):
        bad = sorted({c for c in prop if not (c == "!" or "#" <= c <= "[" or "]" <= c <= "~")})
        if bad:
            d.red(
                "ContentPropagator holds characters GB 45438 does not allow: "
                + " ".join(repr(c) for c in bad[:8])
            )
    if integ == "none":
        d.amber("no integrity data (ReservedCode2): labels can be forged undetectably")
    if f.labelled_total == 0:
        d.amber("no item was labelled in the period: label writing is not evidenced")
    elif not f.labelled_written:
        d.red(f"{f.labelled_total} items were labelled but no implicit label was written into any of them")
    elif f.labelled_written / f.labelled_total < MIN_LABEL_WRITE_COVERAGE:
        d.amber(
            f"an implicit label was written for {f.labelled_written} of {f.labelled_total} labelled items "
            f"({_pct(f.labelled_written / f.labelled_total)})"
        )
    d.situation.append(
        f"synthguard decided labels for {f.labelled_total} items and recorded {f.label_writes or 0} implicit-label "
        f"writes (GB 45438 Annex E metadata, propagator {prop or 'not stated'}) in the period."
    )
    return d


def _explicit(q: Questionnaire, f: MeasuredFacts, m: LabellingMaterials) -> _Draft:
    d = _Draft()
    d.missing(q, "labelling.explicit")
    d.q(q, "labelling.explicit.wording", "Wording", "提示文字")
    d.q(q, "labelling.explicit.image_corner", "Image position", "图片标识位置")
    ratio = d.q(q, "labelling.explicit.height_ratio", "Text height / shortest side", "文字高度/最短边")
    vs = d.q(
        q, "labelling.explicit.video_seconds", "Video: shown from the start for (s)", "视频标识持续时间（秒）"
    )
    audio = d.q(q, "labelling.explicit.audio_prompt", "Audio prompt", "音频提示")
    d.ev(
        "Example rendered: placement check",
        "示例标识位置检查",
        "; ".join(m.example_placement_problems) or ("passes / 通过" if m.example_placement else None),
        "policy",
    )
    for p in m.wording_problems:
        if m.wording:
            d.red(f"label wording {m.wording!r}: {p}")
    if isinstance(ratio, int | float) and ratio < 0.05:
        d.red(f"text height {ratio:.0%} of the shortest side (< 5%)")
    if isinstance(vs, int | float) and vs < 2:
        d.red(f"video label shown {vs:g} s (< 2 s)")
    if audio == "none":
        d.red("no audio prompt for synthetic audio")
    for p in m.example_placement_problems:
        d.red(f"example label: {p}")
    d.situation.append(
        f"Visible label {m.wording or '(none)'} in the {m.image_corner} corner at "
        f"{m.height_ratio:.0%} of the shortest side; see the appendix for the rendered example."
    )
    return d


def _art6(q: Questionnaire, f: MeasuredFacts, bench: Sequence[BenchSummary]) -> _Draft:
    d = _Draft()
    n = f.scanned_total
    for lab, en, zh in (
        ("1", "is AI-generated (implicit label found)", "隐式标识显示为AI生成"),
        ("2", "may be AI-generated (uploader declared)", "用户声明为AI生成"),
        ("3", "suspected AI-generated (detected)", "检测疑似AI生成"),
    ):
        share = f" ({100 * f.labels.get(lab, 0) / n:.1f}%)" if n else ""
        d.ev(f'Label "{lab}": {en}', f"标识{lab}：{zh}", f"{f.labels.get(lab, 0)}{share}", "store")
    d.ev("Declared AI by uploaders", "用户声明AI生成", f.declared_ai, "store")
    d.ev("Declared but left unlabelled", "已声明但未标识", f.declared_unlabelled, "store")
    d.ev("Detectors with bench results", "有评测结果的检测器", len(bench), "bench")
    for b in bench:
        clean = b.conditions.get("clean") or next(iter(b.conditions.values()), {})
        auc = clean.get("auc")
        d.ev(
            f"{b.detector}: AUC on {b.dataset}",
            f"{b.detector}：AUC",
            f"{auc:.3f}" if isinstance(auc, float) else None,
            "bench",
        )
        if isinstance(auc, float) and auc < WEAK_AUC:
            d.amber(
                f"detector {b.detector} is weak (AUC {auc:.3f} on {b.dataset}): label 3 misses or over-flags"
            )
    if n == 0:
        d.amber("no items scanned in the period: the Art. 6 decision is not evidenced")
    if f.declared_unlabelled:
        d.red(
            f"{f.declared_unlabelled} items declared AI-generated by their uploader got no label (Art. 6 case 2)"
        )
    if not bench:
        d.amber("detector quality is not measured: no bench results found")
    d.situation.append(
        f"Of {n} items scanned, the policy labelled {f.labels.get('1', 0)} as 1, {f.labels.get('2', 0)} as 2 and "
        f"{f.labels.get('3', 0)} as 3; {len(bench)} detector(s) have bench results."
    )
    return d


def _recipients(q: Questionnaire, f: MeasuredFacts) -> _Draft:
    d = _Draft()
    d.missing(q, "labelling.recipients_log")
    on = d.q(
        q,
        "labelling.recipients_log.enabled",
        "Recipients of unlabelled content logged",
        "记录未标识内容接收者",
        _yn,
    )
    days = d.q(q, "labelling.recipients_log.retention_days", "Kept (days)", "留存天数")
    d.ev("Recorded by synthguard", "系统记录", None, "not recorded")
    if on is False:
        d.red("recipients of unlabelled content are not logged (Measures Art. 9)")
    if isinstance(days, int) and days < MIN_RETENTION_DAYS:
        d.red(f"recipient logs kept {days} days (< {MIN_RETENTION_DAYS}, 6 months)")
    d.situation.append("Declared by the operator; synthguard does not see content distribution.")
    return d


#: (id, English title, Chinese title, requirement, requirement in Chinese)
ITEM_TITLES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "security_lead",
        "Security lead and information reviewers",
        "安全管理负责人、信息审核人员",
        "A security lead and reviewers suited to the service (2018 Provisions Art. 5(1)).",
        "确定与所提供服务相适应的安全管理负责人、信息审核人员或者建立安全管理机构",
    ),
    (
        "real_identity",
        "Real-identity verification and registration data",
        "用户真实身份核验及注册信息留存",
        "Verify users' real identity and retain registration data (Art. 5(2)).",
        "用户真实身份核验以及注册信息留存措施",
    ),
    (
        "logs",
        "Logs: account, time, operation, IPs, port, device; kept >= 6 months",
        "日志信息记录与留存",
        "Record account, time, operation type, source/destination IP, source port, device features and "
        "posts; keep them at least 6 months (Art. 5(3); Cybersecurity Law Art. 21).",
        "对用户的账号、操作时间、操作类型、网络源地址和目标地址、网络源端口、客户端硬件特征等日志信息，"
        "以及用户发布信息记录的留存措施，留存不少于六个月",
    ),
    (
        "harmful_content",
        "Prevention and handling of illegal and harmful content",
        "违法有害信息防范处置",
        "Prevent and handle illegal content in names, profiles, posts, comments and groups, with records "
        "(Art. 5(4); Deep Synthesis Provisions Arts. 10-11).",
        "对用户账号和通讯群组名称、昵称、简介、备注、标识，信息发布、转发、评论和通讯群组等服务功能中违法有害信息的防范处置和有关记录保存措施",
    ),
    (
        "personal_information",
        "Personal information and mobilisation controls",
        "个人信息保护及防范动员功能失控",
        "Protect personal information and prevent loss of control of mobilisation functions (Art. 5(5)).",
        "个人信息保护以及防范违法有害信息传播扩散、社会动员功能失控风险的技术措施",
    ),
    (
        "complaints",
        "Complaint and report channels",
        "投诉举报渠道",
        "Offer and handle complaint and report channels (Art. 5(6)).",
        "建立投诉、举报制度，公布投诉、举报方式等信息，及时受理并处理有关投诉和举报",
    ),
    (
        "regulator_support",
        "Technical and data support to the regulators",
        "为监管部门提供技术和数据支持",
        "Support the authorities' supervision with technology and data (Art. 5(7)-(8); wording unverified).",
        "建立为网信部门依法履行职责提供技术、数据支持和协助的工作机制",
    ),
    (
        "implicit_labels",
        "Implicit labels (metadata)",
        "隐式标识",
        "Write implicit labels into file metadata with the platform's propagation fields "
        "(Labeling Measures Arts. 5-6; GB 45438-2025 Annex E).",
        "在文件元数据中添加隐式标识，写入传播平台信息（《标识办法》第五、六条；GB 45438-2025 附录E）",
    ),
    (
        "explicit_labels",
        "Explicit labels (visible and audible)",
        "显式标识",
        "Conspicuous labels: wording with AI/人工智能 and 生成/合成, image corner text >= 5% of the shortest side, "
        "video >= 2 s from the start, audio prompt (GB 45438-2025).",
        "显著提示标识：图片角落文字高度不低于最短边5%，视频起始处持续不少于2秒，音频提示（GB 45438-2025）",
    ),
    (
        "art6",
        "Art. 6 decision on every upload (labels 1/2/3)",
        "第六条 上传内容标识判定",
        "Check every upload's implicit label, the uploader's declaration and traces; label 1, 2 or 3 "
        "(Labeling Measures Art. 6).",
        "核验元数据隐式标识、用户声明及显式标识或痕迹，分别提示“AI生成”“可能为AI生成”“疑似AI生成”（《标识办法》第六条）",
    ),
    (
        "recipients_log",
        "Logs of recipients of unlabelled content",
        "未标识内容接收者日志",
        "When content is provided without explicit labels, log the recipients and keep the logs >= 6 months "
        "(Labeling Measures Art. 9).",
        "提供未添加显式标识的生成合成内容的，应当依法留存有关日志不少于六个月（《标识办法》第九条）",
    ),
)


def _resolve_bench(bench_dir: str | Path | Iterable[str | Path] | None) -> tuple[BenchSummary, ...]:
    if bench_dir is None:
        return latest_bench_results(DEFAULT_BENCH_DIRS)
    if isinstance(bench_dir, str | Path):
        return latest_bench_results([bench_dir])
    return latest_bench_results(bench_dir)


def _date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def build_report(
    questionnaire: Questionnaire,
    facts_source: FactsSource | MeasuredFacts,
    period: Period,
    bench_dir: str | Path | Iterable[str | Path] | None = None,
    *,
    generated_at: datetime | None = None,
) -> Assessment:
    """Fill the assessment from the questionnaire, the measured facts and the bench results.

    Args:
        questionnaire: validated answers (:func:`~synthguard.assess.load_questionnaire`).
        facts_source: a :class:`FactsSource` (e.g. ``StoreFacts(store)``) or ready facts.
        period: the assessed period.
        bench_dir: folder(s) with bench ``report.json`` files (None: ``var/bench`` and ``docs/benchmarks``).
        generated_at: timestamp to record (default now, UTC).

    Example:
        >>> from synthguard.assess import StaticFacts, MeasuredFacts  # doctest: +SKIP
        >>> a = build_report(q, StaticFacts(MeasuredFacts(period, "demo")), period)  # doctest: +SKIP
        >>> a.conclusion.status  # doctest: +SKIP
        'amber'
    """
    q = questionnaire
    facts = facts_source if isinstance(facts_source, MeasuredFacts) else facts_source.measure(period)
    bench = _resolve_bench(bench_dir)
    materials = build_materials(q)
    incidents = tuple(
        {
            "date": str(i.get("date", "")),
            "description": str(i.get("description", "")),
            "handling": str(i.get("handling", "")),
        }
        for i in (q.get("incidents") or [])
        if isinstance(i, dict)
    )
    drafts = {
        "security_lead": _security_lead(q, facts),
        "real_identity": _real_identity(q, facts),
        "logs": _logs(q, facts),
        "harmful_content": _harmful(q, facts, incidents),
        "personal_information": _personal(q, facts),
        "complaints": _complaints(q, facts),
        "regulator_support": _regulator(q, facts),
        "implicit_labels": _implicit(q, facts, materials),
        "explicit_labels": _explicit(q, facts, materials),
        "art6": _art6(q, facts, bench),
        "recipients_log": _recipients(q, facts),
    }
    items = tuple(
        drafts[iid].item(n, iid, t, tz, r, rz) for n, (iid, t, tz, r, rz) in enumerate(ITEM_TITLES, start=1)
    )
    code = str(q.get("trigger.code"))
    t_en, t_zh = TRIGGERS[code]
    red = tuple(f"{it.number}. {it.title}" for it in items if it.status == "red")
    amber = tuple(f"{it.number}. {it.title}" for it in items if it.status == "amber")
    status = worst(it.status for it in items)
    green_n = len(items) - len(red) - len(amber)
    verdict_en, verdict_zh = STATUS_TEXT[status]
    summary = (
        f"{len(items)} items: {green_n} met, {len(amber)} partly met, {len(red)} not met. Overall: {verdict_en}. "
        + ("The function should not launch (or continue) until the items not met are fixed. " if red else "")
        + ("Items partly met need the actions listed under each." if amber else "")
    ).strip()
    summary_zh = (
        f"共{len(items)}项：满足{green_n}项，部分满足{len(amber)}项，未满足{len(red)}项。总体结论：{verdict_zh}。"
        + ("未满足项整改完成前不宜上线（或继续提供）该功能。" if red else "")
    )
    return Assessment(
        title="Security assessment report",
        title_zh="安全评估报告",
        entity=Entity(
            name=str(q.get("entity.name")),
            credit_code=str(q.get("entity.credit_code")),
            address=str(q.get("entity.address")),
            legal_representative=str(q.get("entity.legal_representative")),
            contact_name=str(q.get("entity.contact.name")),
            contact_phone=str(q.get("entity.contact.phone")),
            contact_email=str(q.get("entity.contact.email")),
        ),
        function=FunctionInfo(
            service_name=str(q.get("service.name")),
            service_url=str(q.get("service.url", "")),
            service_description=str(q.get("service.description")),
            function_name=str(q.get("function.name")),
            function_description=str(q.get("function.description")),
            launch_date=_date(q.get("function.launch_date")),
            public_opinion_attributes=bool(q.get("function.public_opinion_attributes")),
            mobilisation_capacity=bool(q.get("function.mobilisation_capacity")),
        ),
        trigger=TriggerInfo(code, t_en, t_zh, str(q.get("trigger.details"))),
        period=period,
        items=items,
        conclusion=Conclusion(status, red, amber, summary, summary_zh),
        facts=facts,
        bench=bench,
        labelling=materials,
        incidents=incidents,
        assessor=str(q.get("assessor.name", "")),
        generated_at=(generated_at or datetime.now(UTC)).replace(microsecond=0),
        synthguard_version=__version__,
        questionnaire_source=q.source,
        questionnaire_sha256=q.sha256,
    )
