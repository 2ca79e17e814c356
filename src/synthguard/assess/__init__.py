"""Security assessment reports, drafted from synthguard's own records.

Before launching a function with public-opinion attributes or social mobilisation capacity
(and on four other triggers) a platform must assess it and report. This package fills the
regulator's template from three sources:

1. a YAML questionnaire for what no system can know (:func:`load_questionnaire`);
2. measured facts from the store for a period (:class:`StoreFacts`, or any :class:`FactsSource`);
3. the latest detector bench results (:func:`latest_bench_results`).

:func:`build_report` returns a frozen :class:`Assessment`; :func:`render_html`,
:func:`render_pdf` and :func:`to_json` render it; :func:`write_report` writes all three and
:func:`record_report_hashes` records their sha256 in the audit log.

Example:
    >>> from synthguard.assess import Period, StoreFacts, build_report, load_questionnaire  # doctest: +SKIP
    >>> q = load_questionnaire("examples/assessment/questionnaire.yaml")  # doctest: +SKIP
    >>> period = Period.parse("2026-10-01", "2026-10-31")  # doctest: +SKIP
    >>> a = build_report(q, StoreFacts(store), period, "var/bench")  # doctest: +SKIP
    >>> write_report(a, "var/assess/out")["pdf"]  # doctest: +SKIP
    PosixPath('var/assess/out/assessment.pdf')
"""

from .bench import DEFAULT_BENCH_DIRS, latest_bench_results
from .build import ITEM_TITLES, MIN_RETENTION_DAYS, build_report
from .facts import DayVolume, FactsSource, MeasuredFacts, Period, PurgeRun, StaticFacts
from .model import (
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
)
from .questionnaire import (
    TRIGGERS,
    Problem,
    Questionnaire,
    QuestionnaireError,
    load_questionnaire,
    parse_questionnaire,
    questionnaire_from_bytes,
    validate_questionnaire,
)
from .render import (
    find_cjk_font,
    from_json,
    record_report_hashes,
    render_html,
    render_pdf,
    to_json,
    write_report,
)
from .store_facts import StoreFacts

__all__ = [
    "DEFAULT_BENCH_DIRS",
    "ITEM_TITLES",
    "MIN_RETENTION_DAYS",
    "TRIGGERS",
    "Assessment",
    "BenchSummary",
    "Conclusion",
    "DayVolume",
    "Entity",
    "EvidenceLine",
    "FactsSource",
    "FunctionInfo",
    "Item",
    "LabellingMaterials",
    "MeasuredFacts",
    "Period",
    "Problem",
    "PurgeRun",
    "Questionnaire",
    "QuestionnaireError",
    "StaticFacts",
    "Status",
    "StoreFacts",
    "TriggerInfo",
    "build_report",
    "find_cjk_font",
    "from_json",
    "latest_bench_results",
    "load_questionnaire",
    "parse_questionnaire",
    "questionnaire_from_bytes",
    "record_report_hashes",
    "render_html",
    "render_pdf",
    "to_json",
    "validate_questionnaire",
    "write_report",
]
