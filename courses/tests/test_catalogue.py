"""Catalogue search and filters. bin/test runs this module on SQLite as well."""

import re

import pytest

from lms.text import fold
from tests.factories import build_course


@pytest.fixture
def catalogue(trainer):
    tay = build_course(trainer=trainer)
    hoi = build_course(
        trainer=trainer,
        title="Kỹ thuật chế biến hoa hồi",
        slug="hoa-hoi",
        summary="Phơi, sấy và bảo quản hoa hồi.",
        language="vi",
        level="intermediate",
    )
    return tay, hoi


def titles(response) -> list[str]:
    return [c.title for c in response.context["courses"]]


def test_fold_ignores_case_and_vietnamese_diacritics():
    assert fold("Tiếng TÀY") == fold("tieng tay") == "tieng tay"
    assert fold("Đăng ký ĐỨC") == "dang ky duc"
    assert fold("Hoa\u0300ng") == "hoang"


@pytest.mark.parametrize(
    "query", ["tieng tay", "TIẾNG TÀY", "Tiếng Tày", "tay giao", "  tiếng   tày "]
)
def test_search_ignores_diacritics_and_case(client, catalogue, query):
    response = client.get(catalogue[0].catalogue.url, {"q": query})
    assert titles(response) == ["Tiếng Tày giao tiếp cơ bản"]


def test_search_reads_the_summary_too(client, catalogue):
    response = client.get(catalogue[0].catalogue.url, {"q": "bao quan"})
    assert titles(response) == ["Kỹ thuật chế biến hoa hồi"]


def test_filters_by_language_level_and_program(client, catalogue):
    url = catalogue[0].catalogue.url
    assert titles(client.get(url, {"language": "tyz"})) == ["Tiếng Tày giao tiếp cơ bản"]
    assert titles(client.get(url, {"level": "intermediate"})) == ["Kỹ thuật chế biến hoa hồi"]
    program = catalogue[0].program.pk
    assert len(titles(client.get(url, {"program": program}))) == 2
    assert titles(client.get(url, {"program": 999999})) == []
    assert len(titles(client.get(url, {"language": "bogus"}))) == 2, "unknown filters are ignored"


def test_htmx_requests_get_only_the_results(client, catalogue):
    response = client.get(catalogue[0].catalogue.url, {"q": "hoi"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Kỹ thuật chế biến hoa hồi" in html


def test_course_page_shows_outline_duration_trainer_and_prerequisites(client, catalogue, trainer):
    tay, hoi = catalogue
    trainer.first_name, trainer.last_name = "Hà", "Nông Thị"
    trainer.save()
    hoi.course.prerequisites.add(tay.course)
    hoi.course.save_revision().publish()
    html = client.get(hoi.course.url).content.decode()
    assert "Học phần 1" in html and "Bài 1.1" in html
    assert "Nông Thị Hà" in html, "Vietnamese name order"
    assert "Tiếng Tày giao tiếp cơ bản" in html, "the prerequisite is named"
    assert "1 giờ" in html


def test_the_next_page_keeps_the_search_and_filters(client, catalogue, monkeypatch):
    from courses.selectors import catalogue as selectors

    monkeypatch.setattr(selectors, "CATALOGUE_PAGE_SIZE", 1)
    url = catalogue[0].catalogue.url
    filters = {"q": "a", "language": "vi", "level": "intermediate"}
    build_course(title="Chế biến quế", slug="que", language="vi", level="intermediate")
    first = client.get(url, filters)
    assert first.context["page_obj"].paginator.count == 2
    html = first.content.decode()
    next_link = html.split('<nav class="pager">')[1].split('href="')[1].split('"')[0]
    second = client.get(url + next_link.replace("&amp;", "&"))
    assert second.context["page_obj"].number == 2
    assert second.context["page_obj"].paginator.count == 2, "still filtered"
    assert titles(first) + titles(second) == ["Chế biến quế", "Kỹ thuật chế biến hoa hồi"]


def language_options(response) -> list[str]:
    select = response.content.decode().split('<select id="language"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_language_filter_offers_only_languages_taught(client, catalogue, trainer):
    draft = build_course(trainer=trainer, title="Tiếng H'Mông", slug="hmong", language="hnj")
    draft.course.unpublish()
    response = client.get(catalogue[0].catalogue.url)
    assert language_options(response) == ["", "vi", "tyz"], "no Nùng, Dao, nor a draft's H'Mông"


@pytest.mark.parametrize("htmx", [False, True])
def test_an_empty_result_offers_to_clear_the_filters(client, catalogue, htmx):
    url = catalogue[0].catalogue.url
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    html = client.get(url, {"q": "khong co gi", "level": "advanced"}, **headers).content.decode()
    assert "Không tìm thấy khóa học phù hợp." in html
    assert f'<a href="{url}">Xóa bộ lọc</a>' in html
    assert "Xóa bộ lọc" not in client.get(url).content.decode()


def test_the_catalogue_speaks_english_in_english(client, catalogue):
    client.post("/i18n/setlang/", {"language": "en"})
    html = client.get(catalogue[0].catalogue.url).content.decode()
    assert "<h1>Courses</h1>" in html and "<title>Courses ·" in html
    html = client.get(catalogue[0].catalogue.url, {"q": "zzz"}).content.decode()
    assert "Clear filters" in html
    client.post("/i18n/setlang/", {"language": "vi"})
    assert "<h1>Khóa học</h1>" in client.get(catalogue[0].catalogue.url).content.decode()


def test_the_home_page_title_names_the_site_once(client, catalogue):
    html = client.get("/").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.count("Học trực tuyến Lạng Sơn") == 1, title
    assert title == "Trang chủ · Học trực tuyến Lạng Sơn"
