from .exchange import ExchangeTarget, IndicatorMapping, OptionMapping, UnitMapping
from .exports import ExportAudit, ReportExport
from .indicators import Indicator, IndicatorDenominator
from .rollups import (
    ANY_CODE,
    ANY_ID,
    MEASURES,
    DirtyEnrolment,
    EnrolmentFact,
    FactMonth,
    Grain,
    Rollup,
    RollupsVersion,
)

__all__ = [
    "ANY_CODE",
    "ANY_ID",
    "MEASURES",
    "DirtyEnrolment",
    "EnrolmentFact",
    "ExchangeTarget",
    "ExportAudit",
    "FactMonth",
    "Grain",
    "Indicator",
    "IndicatorDenominator",
    "IndicatorMapping",
    "OptionMapping",
    "ReportExport",
    "Rollup",
    "RollupsVersion",
    "UnitMapping",
]
