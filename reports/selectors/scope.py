"""Who reads which reports: managers their units, admins the province."""

from dataclasses import dataclass

from django.conf import settings

from lms.models import AdministrativeUnit, ManagerScope
from lms.roles import is_admin, is_manager, sees_individuals
from lms.selectors import current_units


@dataclass(frozen=True)
class ReportScope:
    # None: the whole province.
    unit_ids: frozenset[int] | None
    # May see individual learners and unsuppressed small cells.
    sees_individuals: bool

    @property
    def is_province(self) -> bool:
        return self.unit_ids is None

    def covers(self, unit_id: int) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def units(self):
        units = current_units()
        return units if self.unit_ids is None else units.filter(pk__in=self.unit_ids)


def small_cell_threshold() -> int:
    return int(getattr(settings, "REPORTS_SMALL_CELL_THRESHOLD", 5))


def access_reports(user) -> ReportScope | None:
    """The scope ``user`` reads reports in, or None when they read none."""
    if not user.is_authenticated or not (is_admin(user) or is_manager(user)):
        return None
    ids: frozenset[int] | None = None
    if not is_admin(user):
        # One query for the scope (the dashboard is opened often): no unit is the
        # province; a manager not yet given a unit reads an empty scope and is told so.
        scoped = list(ManagerScope.objects.filter(user=user).values_list("unit_id", flat=True))
        if None not in scoped:
            ids = frozenset(scoped)
    return ReportScope(
        unit_ids=ids,
        sees_individuals=sees_individuals(user),
    )


def scope_label(scope: ReportScope) -> str:
    from django.utils.translation import gettext as _

    if scope.unit_ids is None:
        return _("Toàn tỉnh")
    names = list(
        AdministrativeUnit.objects.filter(pk__in=scope.unit_ids)
        .order_by("sort_key")
        .values_list("name", flat=True)
    )
    return ", ".join(names)
