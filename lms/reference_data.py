"""Loading the province's reference lists shipped in lms/reference/.

Used by a data migration, so every database (tests included) has the units and the
ethnic-group code list from the start; running it again changes nothing.
"""

import csv
from datetime import date
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
PROVINCE_CODE, PROVINCE_NAME = "20", "Tỉnh Lạng Sơn"
REORGANISED_ON = date(2025, 7, 1)
LAST_DAY_BEFORE = date(2025, 6, 30)


def _rows(name: str) -> list[dict]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_ethnic_groups(EthnicGroup) -> None:
    for row in _rows("ethnic_groups_qd121_1979.csv"):
        EthnicGroup.objects.update_or_create(
            code=row["code"], code_list=row["code_list"], defaults={"name": row["name"]}
        )


def load_admin_units(AdministrativeUnit, UnitSuccession) -> None:
    province, _ = AdministrativeUnit.objects.update_or_create(
        code=PROVINCE_CODE,
        level="province",
        is_current=True,
        defaults={"name": PROVINCE_NAME},
    )
    rows = _rows("langson_admin_units.csv")
    current, former, districts = {}, {}, {}
    for row in rows:
        if row["new_code"] not in current:
            unit, _ = AdministrativeUnit.objects.update_or_create(
                code=row["new_code"],
                level="commune",
                is_current=True,
                defaults={
                    "name": row["new_name"],
                    "parent": province,
                    "valid_from": REORGANISED_ON,
                },
            )
            unit.current_unit = unit
            unit.save(update_fields=["current_unit"])
            current[row["new_code"]] = unit
        if row["old_district_code"] not in districts:
            districts[row["old_district_code"]], _ = AdministrativeUnit.objects.update_or_create(
                code=row["old_district_code"],
                level="district",
                is_current=False,
                defaults={
                    "name": row["old_district_name"],
                    "parent": province,
                    "valid_to": LAST_DAY_BEFORE,
                },
            )
    for row in rows:
        old, created = AdministrativeUnit.objects.get_or_create(
            code=row["old_code"],
            level="commune",
            is_current=False,
            defaults={
                "name": row["old_name"],
                "parent": districts[row["old_district_code"]],
                "valid_to": LAST_DAY_BEFORE,
            },
        )
        former.setdefault(row["old_code"], []).append((row, old))
        UnitSuccession.objects.get_or_create(
            former=old,
            successor=current[row["new_code"]],
            defaults={"merge_type": row["merge_type"]},
        )
    # A former commune split between several new ones rolls up to the one that kept its
    # name if any, else to the first listed; the full mapping stays in UnitSuccession.
    for entries in former.values():
        old = entries[0][1]
        same_name = [
            r for r, _ in entries if r["new_name"].split(" ", 1)[-1] == old.name.split(" ", 1)[-1]
        ]
        chosen = (same_name or [entries[0][0]])[0]
        old.current_unit = current[chosen["new_code"]]
        old.save(update_fields=["current_unit"])
