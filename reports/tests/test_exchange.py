"""ADX and DHIS2 exports of indicator values: periods, checks on values, the documents
and the ADX schema (which must refuse, not only accept)."""

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from reports.exchange import (
    ADX_NAMESPACE,
    DataValue,
    Period,
    adx_document,
    adx_validate,
    decimal_text,
    dhis2_data_value_sets,
    dhis2_json,
)

HANOI = timezone(timedelta(hours=7))
EXPORTED = datetime(2025, 2, 3, 8, 30, tzinfo=HANOI)
JANUARY = Period.of_month(2025, 1)
Q3 = Period.of_quarter(2025, 3)
YEAR = Period.of_year(2025)
HOSTILE = "<&\"'>"
RLO = "\u202e"

ADX = f"{{{ADX_NAMESPACE}}}"


def sample_values() -> list[DataValue]:
    return [
        DataValue(
            "ENROLLED",
            JANUARY,
            "XA_THAT_KHE",
            12,
            (("SEX", "F"), ("ETHNIC", "NUNG")),
            category_option_combo="cocFNung",
            comment="Số liệu tạm tính",
        ),
        DataValue("ENROLLED", JANUARY, "XA_THAT_KHE", 7, (("SEX", "M"), ("ETHNIC", "NUNG"))),
        DataValue("COMPLETED_RATE", Q3, "PHUONG_DONG_KINH", 12.5),
        DataValue("HOURS", YEAR, "PHUONG_DONG_KINH", Decimal("1520.25"), (("ETHNIC", "Nùng"),)),
        DataValue("ENROLLED", Q3, "XA_THAT_KHE", 30),
    ]


def read_adx(xml: bytes) -> list[DataValue]:
    """The values of an ADX document, read with lxml alone (not with the writer's code)."""
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    values = []
    for group in root.iterfind(f"{ADX}group"):
        period = Period.parse(group.get("period"))
        for element in group.iterfind(f"{ADX}dataValue"):
            attributes = dict(element.attrib)
            annotation = element.find(f"{ADX}annotation")
            values.append(
                DataValue(
                    attributes.pop("dataElement"),
                    period,
                    group.get("orgUnit"),
                    Decimal(attributes.pop("value")),
                    tuple(attributes.items()),
                    comment=annotation.text if annotation is not None else "",
                )
            )
    return values


def as_sent_in_adx(value: DataValue) -> DataValue:
    """What ADX carries of a value: no DHIS2 option combos, the number as written."""
    return replace(
        value,
        value=Decimal(decimal_text(value.value)),
        category_option_combo="",
        attribute_option_combo="",
    )


# Periods


@pytest.mark.parametrize(
    "period, iso, dhis2, label",
    [
        (Period.of_month(2025, 1), "2025-01-01/P1M", "202501", "Tháng 1/2025"),
        (Period.of_month(2025, 12), "2025-12-01/P1M", "202512", "Tháng 12/2025"),
        (Period.of_quarter(2025, 1), "2025-01-01/P3M", "2025Q1", "Quý I/2025"),
        (Period.of_quarter(2025, 3), "2025-07-01/P3M", "2025Q3", "Quý III/2025"),
        (Period.of_quarter(2025, 4), "2025-10-01/P3M", "2025Q4", "Quý IV/2025"),
        (Period.of_year(2025), "2025-01-01/P1Y", "2025", "Năm 2025"),
    ],
)
def test_period_forms(period, iso, dhis2, label):
    assert period.iso8601() == iso
    assert period.dhis2() == dhis2
    assert period.label_vi() == label
    assert Period.parse(iso) == period
    assert Period.parse(dhis2) == period


def test_period_months():
    assert Period.of_month(2025, 2).months() == [date(2025, 2, 1)]
    assert Period.of_quarter(2025, 4).months() == [
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
    ]
    year = Period.of_year(2024).months()
    assert len(year) == 12
    assert year[0] == date(2024, 1, 1) and year[-1] == date(2024, 12, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2025-13",
        "2025Q5",
        "2025Q0",
        "2025-01-02/P1M",
        "2025-02-01/P3M",
        "2025-02-01/P1Y",
        "2025-01-01/P2M",
        "2025-02-30/P1M",
        "202513",
        "202500",
        "2025-01",
        "0000",
        " 2025",
        "2025\n",
        "２０２５",
        "",
        "2025-01-01",
    ],
)
def test_period_parse_refuses(text):
    with pytest.raises(ValueError):
        Period.parse(text)


@pytest.mark.parametrize(
    "kind, start",
    [
        ("month", date(2025, 1, 2)),
        ("quarter", date(2025, 2, 1)),
        ("year", date(2025, 7, 1)),
        ("week", date(2025, 1, 1)),
        ("month", datetime(2025, 1, 1, tzinfo=UTC)),
        ("month", "2025-01-01"),
    ],
)
def test_period_must_start_on_its_first_day(kind, start):
    with pytest.raises(ValueError):
        Period(kind, start)


@given(
    kind=st.sampled_from(Period.KINDS),
    year=st.integers(1000, 9999),
    month=st.integers(1, 12),
)
@settings(max_examples=60, deadline=None)
def test_period_forms_read_back(kind, year, month):
    if kind == "year":
        period = Period.of_year(year)
    elif kind == "quarter":
        period = Period.of_quarter(year, (month - 1) // 3 + 1)
    else:
        period = Period.of_month(year, month)
    assert Period.parse(period.iso8601()) == period
    assert Period.parse(period.dhis2()) == period
    assert period.months()[0] == period.start


# Values


@pytest.mark.parametrize(
    "value, text",
    [
        (12, "12"),
        (-3, "-3"),
        (12.5, "12.5"),
        (12.0, "12"),
        (-0.0, "0"),
        (1e-7, "0.0000001"),
        (1e22, "10000000000000000000000"),
        (Decimal("12.50"), "12.5"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0E-8"), "0"),
    ],
)
def test_numbers_are_written_in_plain_decimal_form(value, text):
    assert decimal_text(value) == text
    xml = adx_document([DataValue("E", JANUARY, "OU", value)], data_set="DS", exported_at=EXPORTED)
    assert adx_validate(xml) == []


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("1E+100000"),
        True,
        "12",
        None,
    ],
)
def test_values_that_are_not_finite_numbers_are_refused(value):
    with pytest.raises(ValueError):
        DataValue("E", JANUARY, "OU", value)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        " OU",
        "OU ",
        "O\x00U",
        "O\x07U",
        "O\tU",
        "O\nU",
        "O\x7fU",
        "O\x85U",
        f"O{RLO}U",
        "O\u200bU",
        "O\ufeffU",
        "O\ufffeU",
        "O\ud800U",
    ],
)
def test_codes_that_xml_cannot_carry_or_that_hide_characters_are_refused(code):
    with pytest.raises(ValueError):
        DataValue(code, JANUARY, "OU", 1)
    with pytest.raises(ValueError):
        DataValue("E", JANUARY, code, 1)
    with pytest.raises(ValueError):
        DataValue("E", JANUARY, "OU", 1, (("SEX", code),))
    if code:  # an empty option combo is the DHIS2 default, not an error
        with pytest.raises(ValueError):
            DataValue("E", JANUARY, "OU", 1, category_option_combo=code)
    with pytest.raises(ValueError):
        adx_document([], data_set=code, exported_at=EXPORTED)
    with pytest.raises(ValueError):
        dhis2_data_value_sets([], data_set=code)


@pytest.mark.parametrize("comment", ["a\x00b", "a\x1bb", f"a{RLO}b", "a\ufffeb"])
def test_comments_refuse_control_and_override_characters(comment):
    with pytest.raises(ValueError):
        DataValue("E", JANUARY, "OU", 1, comment=comment)


@pytest.mark.parametrize(
    "name",
    [
        "1SEX",
        "-SEX",
        "SEX GROUP",
        "ns:SEX",
        HOSTILE,
        "Nùng\u202e",
        "dataElement",
        "value",
        "dataSet",
        "orgUnit",
        "period",
        "completeDate",
        "annotation",
        "xmlns",
        "XMLTYPE",
        "",
    ],
)
def test_disaggregation_names_must_be_free_xml_names(name):
    with pytest.raises(ValueError):
        DataValue("E", JANUARY, "OU", 1, ((name, "F"),))


def test_disaggregations_are_kept_in_one_order_and_named_once():
    one = DataValue("E", JANUARY, "OU", 1, (("SEX", "F"), ("ETHNIC", "NUNG")))
    other = DataValue("E", JANUARY, "OU", 1, (("ETHNIC", "NUNG"), ("SEX", "F")))
    assert one == other
    assert one.disaggregations == (("ETHNIC", "NUNG"), ("SEX", "F"))
    with pytest.raises(ValueError):
        DataValue("E", JANUARY, "OU", 1, (("SEX", "F"), ("SEX", "M")))


# ADX documents


def test_adx_document_is_valid_and_reads_back():
    values = sample_values()
    xml = adx_document(values, data_set="LMS_MONTHLY", exported_at=EXPORTED)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert adx_validate(xml) == []
    assert sorted(read_adx(xml), key=repr) == sorted(map(as_sent_in_adx, values), key=repr)


def test_adx_document_structure():
    xml = adx_document(
        sample_values(),
        data_set="LMS_MONTHLY",
        exported_at=EXPORTED,
        complete_date=date(2025, 2, 1),
    )
    root = etree.fromstring(xml)
    assert root.tag == f"{ADX}adx"
    assert root.nsmap == {None: ADX_NAMESPACE}
    assert root.get("exported") == "2025-02-03T08:30:00+07:00"
    groups = [
        (g.get("orgUnit"), g.get("period"), g.get("dataSet"), g.get("completeDate")) for g in root
    ]
    # One group per org unit and period, by org unit then by date (a month before the
    # quarter or year that starts with it).
    assert groups == [
        ("PHUONG_DONG_KINH", "2025-01-01/P1Y", "LMS_MONTHLY", "2025-02-01"),
        ("PHUONG_DONG_KINH", "2025-07-01/P3M", "LMS_MONTHLY", "2025-02-01"),
        ("XA_THAT_KHE", "2025-01-01/P1M", "LMS_MONTHLY", "2025-02-01"),
        ("XA_THAT_KHE", "2025-07-01/P3M", "LMS_MONTHLY", "2025-02-01"),
    ]
    january = root[2]
    assert [dict(v.attrib) for v in january] == [
        {"dataElement": "ENROLLED", "value": "12", "ETHNIC": "NUNG", "SEX": "F"},
        {"dataElement": "ENROLLED", "value": "7", "ETHNIC": "NUNG", "SEX": "M"},
    ]
    assert january[0].findtext(f"{ADX}annotation") == "Số liệu tạm tính"
    assert january[1].find(f"{ADX}annotation") is None


def test_adx_order_does_not_depend_on_the_input_order():
    values = sample_values()
    expected = adx_document(values, data_set="DS", exported_at=EXPORTED)
    for seed in range(5):
        shuffled = values[:]
        random.Random(seed).shuffle(shuffled)
        assert adx_document(shuffled, data_set="DS", exported_at=EXPORTED) == expected


def test_adx_escapes_markup_and_keeps_vietnamese_letters():
    value = DataValue(
        HOSTILE,
        JANUARY,
        HOSTILE,
        1,
        (("ETHNIC", "Nùng"), ("Giới_tính", HOSTILE)),
        comment=f"{HOSTILE} ]]> dòng 1\r\ndòng 2",
    )
    xml = adx_document([value], data_set=HOSTILE, exported_at=EXPORTED)
    assert adx_validate(xml) == []
    assert "Nùng".encode() in xml and "Giới_tính".encode() in xml
    assert b"&lt;&amp;&quot;'&gt;" in xml
    assert b'"<' not in xml and b"<&" not in xml
    group = etree.fromstring(xml)[0]
    assert group.get("dataSet") == HOSTILE and group.get("orgUnit") == HOSTILE
    assert read_adx(xml) == [as_sent_in_adx(value)]


def test_adx_refuses_duplicates_and_unclear_times():
    twice = [DataValue("E", JANUARY, "OU", 1), DataValue("E", JANUARY, "OU", 2)]
    with pytest.raises(ValueError):
        adx_document(twice, data_set="DS", exported_at=EXPORTED)
    with pytest.raises(ValueError):
        adx_document([], data_set="DS", exported_at=datetime(2025, 2, 3, 8, 30))
    with pytest.raises(ValueError):
        adx_document(
            [], data_set="DS", exported_at=EXPORTED, complete_date=datetime(2025, 2, 1, tzinfo=UTC)
        )
    with pytest.raises(ValueError):
        adx_document(["not a value"], data_set="DS", exported_at=EXPORTED)


def test_empty_adx_document_is_valid():
    assert adx_validate(adx_document([], data_set="DS", exported_at=EXPORTED)) == []


# Anything but controls, invisible formatting, surrogates and unassigned code points
# (among them U+FFFE and U+FFFF, which XML cannot carry).
codes = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cf", "Cs", "Cn")),
    min_size=1,
    max_size=12,
).filter(lambda code: code == code.strip() and code.strip())
comments = st.text(
    alphabet=st.characters(
        exclude_categories=("Cc", "Cf", "Cs", "Cn"), include_characters="\t\n\r"
    ),
    max_size=20,
)


@given(
    rows=st.lists(
        st.tuples(codes, codes, codes, st.integers(-(10**12), 10**12), comments),
        max_size=6,
    )
)
@settings(max_examples=40, deadline=None)
def test_any_acceptable_code_reads_back_from_adx(rows):
    values = [
        DataValue(element, JANUARY, unit, number, (("OPT", option),), comment=comment)
        for element, unit, option, number, comment in rows
    ]
    unique = list({(v.data_element, v.org_unit, v.disaggregations): v for v in values}.values())
    xml = adx_document(unique, data_set="DS", exported_at=EXPORTED)
    assert adx_validate(xml) == []
    assert sorted(read_adx(xml), key=repr) == sorted(map(as_sent_in_adx, unique), key=repr)


# The schema refuses what is not ADX


VALID_GROUP = (
    '<group dataSet="DS" orgUnit="OU" period="{period}">'
    '<dataValue dataElement="E" value="{value}"/>'
    "</group>"
)


def adx_text(exported='exported="2025-01-01T00:00:00+07:00"', body=None) -> bytes:
    body = VALID_GROUP.format(period="2025-01-01/P1M", value="1") if body is None else body
    return f'<adx xmlns="{ADX_NAMESPACE}" {exported}>{body}</adx>'.encode()


def test_the_hand_written_sample_is_valid():
    assert adx_validate(adx_text()) == []


@pytest.mark.parametrize(
    "xml",
    [
        adx_text(exported=""),
        adx_text(exported='exported="yesterday"'),
        adx_text(body=VALID_GROUP.format(period="2025-01", value="1")),
        adx_text(body=VALID_GROUP.format(period="2025Q1", value="1")),
        adx_text(body=VALID_GROUP.format(period="2025-13-01/P1M", value="1")),
        adx_text(body=VALID_GROUP.format(period="2025-01-01/P", value="1")),
        adx_text(body=VALID_GROUP.format(period="2025-01-01/P1X", value="1")),
        adx_text(body=VALID_GROUP.format(period="2025-01-01/P1M", value="abc")),
        adx_text(body=VALID_GROUP.format(period="2025-01-01/P1M", value="1e3")),
        adx_text(body=VALID_GROUP.format(period="2025-01-01/P1M", value="NaN")),
        adx_text(body=VALID_GROUP.format(period="2025-01-01/P1M", value="")),
        adx_text(body='<group dataSet="DS" orgUnit="OU" period="2025-01-01/P1M"/>'),
        adx_text(
            body='<group orgUnit="OU" period="2025-01-01/P1M"><dataValue dataElement="E" value="1"/></group>'
        ),
        adx_text(
            body='<group dataSet="DS" orgUnit="OU" period="2025-01-01/P1M"><dataValue value="1"/></group>'
        ),
        adx_text(body="<other/>"),
        b'<adx xmlns="urn:example" exported="2025-01-01T00:00:00Z"/>',
        b"<adx",
        b"",
    ],
)
def test_the_schema_refuses_what_is_not_adx(xml):
    assert adx_validate(xml) != []


def test_a_generated_document_fails_once_broken():
    xml = adx_document(sample_values(), data_set="DS", exported_at=EXPORTED)
    assert adx_validate(xml.replace(b' exported="', b' made="')) != []
    assert adx_validate(xml.replace(b'value="12"', b'value="twelve"')) != []
    assert adx_validate(xml.replace(b"2025-07-01/P3M", b"2025Q3")) != []


def test_hostile_documents_are_not_expanded_nor_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-leak")
    external = (
        f'<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY e SYSTEM "{secret.as_uri()}">]>'
        f'<adx xmlns="{ADX_NAMESPACE}" exported="2025-01-01T00:00:00Z">'
        '<group dataSet="DS" orgUnit="OU" period="2025-01-01/P1M">'
        '<dataValue dataElement="E" value="1"><annotation>&e;</annotation></dataValue>'
        "</group></adx>"
    ).encode()
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE adx ['
        '<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + f']><adx xmlns="{ADX_NAMESPACE}" exported="2025-01-01T00:00:00Z">&i;</adx>'
    ).encode()
    network = (
        '<?xml version="1.0"?><!DOCTYPE adx SYSTEM "http://127.0.0.1:9/adx.dtd">'
        f'<adx xmlns="{ADX_NAMESPACE}" exported="2025-01-01T00:00:00Z"/>'
    ).encode()
    for xml in (external, laughs, network):
        errors = adx_validate(xml)
        assert errors
        assert "do-not-leak" not in " ".join(errors)


# DHIS2


def test_dhis2_payload():
    payload = dhis2_data_value_sets(
        sample_values(), data_set="pBOMPrpg1QX", complete_date=date(2025, 2, 1)
    )
    assert payload["dataSet"] == "pBOMPrpg1QX"
    assert payload["completeDate"] == "2025-02-01"
    assert payload["dataValues"] == [
        {
            "dataElement": "HOURS",
            "period": "2025",
            "orgUnit": "PHUONG_DONG_KINH",
            "value": "1520.25",
        },
        {
            "dataElement": "COMPLETED_RATE",
            "period": "2025Q3",
            "orgUnit": "PHUONG_DONG_KINH",
            "value": "12.5",
        },
        {"dataElement": "ENROLLED", "period": "202501", "orgUnit": "XA_THAT_KHE", "value": "7"},
        {
            "dataElement": "ENROLLED",
            "period": "202501",
            "orgUnit": "XA_THAT_KHE",
            "categoryOptionCombo": "cocFNung",
            "value": "12",
            "comment": "Số liệu tạm tính",
        },
        {"dataElement": "ENROLLED", "period": "2025Q3", "orgUnit": "XA_THAT_KHE", "value": "30"},
    ]


def test_dhis2_periods_and_option_combos():
    values = [
        DataValue("E", Period.parse("2025-03-01/P1M"), "OU", 1, attribute_option_combo="aoc1"),
        DataValue("E", Period.parse("2025-10-01/P3M"), "OU", 2, category_option_combo="coc1"),
        DataValue("E", Period.parse("2024-01-01/P1Y"), "OU", 3),
    ]
    rows = dhis2_data_value_sets(values, data_set="DS")["dataValues"]
    assert "completeDate" not in dhis2_data_value_sets(values, data_set="DS")
    assert [row["period"] for row in rows] == ["2024", "202503", "2025Q4"]
    assert rows[1]["attributeOptionCombo"] == "aoc1" and "categoryOptionCombo" not in rows[1]
    assert rows[2]["categoryOptionCombo"] == "coc1" and "attributeOptionCombo" not in rows[2]
    assert all(isinstance(row["value"], str) for row in rows)


def test_dhis2_refuses_two_values_for_one_cell():
    # Distinct in ADX, but DHIS2 would store both in the default option combo.
    values = [
        DataValue("E", JANUARY, "OU", 1, (("SEX", "F"),)),
        DataValue("E", JANUARY, "OU", 2, (("SEX", "M"),)),
    ]
    with pytest.raises(ValueError):
        dhis2_data_value_sets(values, data_set="DS")


def test_dhis2_json_is_utf8_and_stable():
    values = sample_values()
    body = dhis2_json(values, data_set="DS")
    assert "Số liệu tạm tính".encode() in body
    assert json.loads(body.decode("utf-8")) == dhis2_data_value_sets(values, data_set="DS")
    assert dhis2_json(list(reversed(values)), data_set="DS") == body
    hostile = dhis2_json([DataValue(HOSTILE, JANUARY, "Nùng", 1)], data_set="DS")
    assert json.loads(hostile)["dataValues"][0]["dataElement"] == HOSTILE
