"""Exports: asked, built by the worker's code, downloaded, expired, all audited."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.services.enrolment import enrolment_create
from lms.errors import NotAvailable, ServiceError
from reports.models import ExportAudit, ReportExport
from reports.services.exports import (
    MAX_PENDING_PER_USER,
    export_path,
    report_export_build,
    report_export_for_download,
    report_export_request,
    report_exports_sweep,
)
from reports.services.rollups import rollups_drain_all
from tests.factories import build_course


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def world(db, trainer, make_learner, unit):
    # A trainer may title a course like a formula; a spreadsheet must not run it.
    tree = build_course(trainer=trainer, title='=HYPERLINK("http://x","Bấm")', slug="cong-thuc")
    for i in range(3):
        enrolment_create(learner=make_learner(f"xuat{i}x"), course=tree.course)
    rollups_drain_all()
    return tree


def ask(user, kind="xlsx", **filters):
    return report_export_request(
        user=user, kind=kind, params={"filters": filters, "table": "courses"}
    )


def test_an_xlsx_export_is_built_downloaded_and_audited(world, make_manager, unit):
    manager = make_manager("quanly", [unit], individuals=False)
    export = ask(manager)
    assert export.status == ReportExport.Status.QUEUED
    built = report_export_build(export_id=export.pk)
    assert built.status == ReportExport.Status.DONE and built.progress == 100
    # A second run of the task (a redelivery) changes nothing.
    assert report_export_build(export_id=export.pk) is None
    found, path = report_export_for_download(user=manager, export_id=export.pk)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    sheet = book["Theo khóa học"]
    titles = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]
    assert titles == ['\'=HYPERLINK("http://x","Bấm")']
    assert sheet.cell(3, 1).data_type == "s"
    actions = list(ExportAudit.objects.filter(export=export).values_list("action", flat=True))
    assert sorted(actions) == ["done", "downloaded", "requested"]
    assert ExportAudit.objects.filter(username="quanly").count() == 3


def test_a_csv_and_a_pdf_are_built(world, make_manager, unit):
    manager = make_manager("quanly", [unit], individuals=False)
    csv_export = report_export_build(export_id=ask(manager, "csv").pk)
    text = export_path(csv_export).read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    pdf_export = report_export_build(export_id=ask(manager, "pdf").pk)
    assert export_path(pdf_export).read_bytes().startswith(b"%PDF")


def test_only_the_requester_downloads_and_only_until_it_expires(
    world, make_manager, unit, other_unit
):
    manager = make_manager("quanly", [unit], individuals=False)
    export = report_export_build(export_id=ask(manager).pk)
    other = make_manager("khac", [other_unit], individuals=False)
    with pytest.raises(NotAvailable):
        report_export_for_download(user=other, export_id=export.pk)
    later = timezone.now() + timedelta(days=2)
    with pytest.raises(NotAvailable):
        report_export_for_download(user=manager, export_id=export.pk, now=later)
    assert report_exports_sweep(now=later) == 1
    assert not export_path(export).exists()
    export.refresh_from_db()
    assert export.status == ReportExport.Status.EXPIRED
    assert ExportAudit.objects.filter(export=export, action="expired").exists()


@pytest.mark.parametrize(
    "kind, params",
    [
        ("exe", {"filters": {}}),
        ("xlsx", {"filters": {"unit": "999999"}}),
        ("xlsx", {"filters": {"start": "2025-99"}}),
        ("xlsx", {"filters": "unit=1"}),
        ("csv", {"filters": {}, "table": "../../etc/passwd"}),
        ("adx", {"target": "1", "period": "2025Q9"}),
        ("dhis2", {"target": "abc", "period": "2025"}),
    ],
)
def test_bad_requests_are_refused_and_leave_nothing(world, make_manager, unit, kind, params):
    manager = make_manager("quanly", [unit], individuals=False)
    with pytest.raises(ServiceError):
        report_export_request(user=manager, kind=kind, params=params)
    assert not ReportExport.objects.exists()
    assert not ExportAudit.objects.exists()


def test_another_units_filter_is_refused(world, make_manager, unit, other_unit):
    with pytest.raises(ServiceError):
        ask(make_manager("quanly", [unit], individuals=False), unit=str(other_unit.pk))


def test_a_reader_cannot_pile_up_exports(world, make_manager, unit):
    manager = make_manager("quanly", [unit], individuals=False)
    for _ in range(MAX_PENDING_PER_USER):
        ask(manager)
    with pytest.raises(ServiceError):
        ask(manager)


def test_people_who_read_no_reports_export_nothing(world, learner, trainer):
    for user in (learner, trainer):
        with pytest.raises(NotAvailable):
            ask(user)


def test_the_pages_walk_a_manager_from_request_to_file(client, world, make_manager, unit):
    manager = make_manager("quanly", [unit], individuals=False)
    client.force_login(manager)
    response = client.post(reverse("reports-export-request"), {"kind": "xlsx", "table": "units"})
    export = ReportExport.objects.get()
    assert response.status_code == 302 and str(export.pk) in response["Location"]
    waiting = client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in waiting and 'hx-trigger="every 1s"' in waiting
    report_export_build(export_id=export.pk)
    ready = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in ready and "hx-trigger" not in ready
    download = client.get(reverse("reports-export-download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    client.force_login(make_manager("khac", [unit], individuals=False))
    assert client.get(reverse("reports-export", args=[export.pk])).status_code == 404
    assert client.get(reverse("reports-export-download", args=[export.pk])).status_code == 404
