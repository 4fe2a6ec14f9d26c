"""imsmanifest.xml: versions, organizations, launch paths, and the manifests refused."""

import io
import re
import zipfile

import pytest

from content_packs.scorm.manifest import (
    MAX_ITEM_DEPTH,
    MAX_MANIFEST_BYTES,
    ManifestError,
    ScormManifest,
    parse_manifest,
)

from .scorm_samples import build_scorm_package, build_zip, sample_manifest

HEAD_12 = (
    '<manifest identifier="MANIFEST-1" version="1.0"'
    ' xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"'
    ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"{attrs}>'
)
HEAD_2004 = (
    '<manifest identifier="MANIFEST-1" version="1.0"'
    ' xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"'
    ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"'
    ' xmlns:imsss="http://www.imsglobal.org/xsd/imsss"{attrs}>'
)


def manifest(
    body: str, *, version: str = "2004", schemaversion: str | None = "default", attrs: str = ""
) -> bytes:
    if schemaversion == "default":
        schemaversion = "1.2" if version == "1.2" else "2004 4th Edition"
    head = (HEAD_12 if version == "1.2" else HEAD_2004).format(attrs=attrs)
    metadata = (
        f"<metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>"
        if schemaversion is not None
        else ""
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}{metadata}{body}</manifest>'.encode()


def sco(identifier: str, href: str | None, *, attrs: str = "", files: str = "") -> str:
    href_attr = f' href="{href}"' if href is not None else ""
    return (
        f'<resource identifier="{identifier}" type="webcontent" adlcp:scormType="sco"'
        f"{href_attr}{attrs}>{files}</resource>"
    )


def one_sco(href: str = "index.html", *, item_attrs: str = "", files: str = "", **kwargs) -> bytes:
    body = (
        '<organizations default="ORG"><organization identifier="ORG"><title>Khoá học</title>'
        f'<item identifier="ITEM" identifierref="RES"{item_attrs}><title>Bài 1</title></item>'
        f"</organization></organizations><resources>{sco('RES', href, files=files)}</resources>"
    )
    return manifest(body, **kwargs)


def refusal(data: bytes) -> str:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data)
    return str(caught.value)


def package_manifest(package: bytes) -> tuple[ScormManifest, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(package))
    return parse_manifest(archive.read("imsmanifest.xml")), archive


# --- The sample packages ----------------------------------------------------------------


def test_scorm_12_sample():
    parsed, archive = package_manifest(build_scorm_package("1.2"))

    assert (parsed.version, parsed.edition) == ("1.2", "1.2")
    assert parsed.identifier == "vn.langson.mau.scorm12"
    assert parsed.title == "Bài học mẫu SCORM"
    assert parsed.launch.identifier == "ITEM-1"
    assert parsed.launch.launch == "index.html"
    assert parsed.launch.launch_query == ""
    assert parsed.launch.mastery_score == 80.0
    assert parsed.launch.scaled_passing_score is None
    resource = parsed.resources["RES-SCO"]
    assert (resource.scorm_type, resource.type, resource.href) == (
        "sco",
        "webcontent",
        "index.html",
    )
    assert resource.files == ["index.html", "sco.js", "style.css"]
    assert set(resource.files) <= set(archive.namelist())
    script = archive.read("sco.js").decode()
    assert '"1.2"' in script and "LMSInitialize" in script and "API_1484_11" in script


@pytest.mark.parametrize(
    ("edition", "expected"),
    [("2nd", "2004 2nd Edition"), ("3rd", "2004 3rd Edition"), ("4th", "2004 4th Edition")],
)
def test_scorm_2004_samples(edition, expected):
    parsed, archive = package_manifest(build_scorm_package("2004", edition=edition, title="Bài 2"))

    assert (parsed.version, parsed.edition) == ("2004", expected)
    assert parsed.title == "Bài 2"
    assert parsed.launch.launch == "index.html"
    assert parsed.launch.scaled_passing_score == pytest.approx(0.8)
    assert parsed.launch.mastery_score is None
    assert parsed.resources["RES-SCO"].scorm_type == "sco"
    assert archive.read("index.html").decode().count('id="') == 8
    assert 'var VERSION = "2004"' in archive.read("sco.js").decode()


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_sample_without_mastery_score(version):
    parsed, _archive = package_manifest(build_scorm_package(version, mastery_score=None))

    assert parsed.launch.mastery_score is None
    assert parsed.launch.scaled_passing_score is None


def test_sample_page_has_no_inline_script():
    _parsed, archive = package_manifest(build_scorm_package("2004"))
    page = archive.read("index.html").decode()

    assert "<script>" not in page and re.search(r"\son[a-z]+=", page) is None
    for element in ("status", "location", "suspend", "page2", "pass", "fail", "finish", "log"):
        assert f'id="{element}"' in page


def test_sample_manifest_replaced_and_files_added():
    package = build_scorm_package(
        manifest="<nope/>", extra_files={"media/clip.mp4": b"\x00\x01", "sco.js": b"//"}
    )
    archive = zipfile.ZipFile(io.BytesIO(package))

    assert archive.read("imsmanifest.xml") == b"<nope/>"
    assert archive.read("media/clip.mp4") == b"\x00\x01"
    assert archive.read("sco.js") == b"//"


def test_build_zip_keeps_hostile_names():
    archive = zipfile.ZipFile(io.BytesIO(build_zip({"../evil.html": b"x", "a\\b.js": b"y"})))

    assert archive.namelist() == ["../evil.html", "a\\b.js"]


# --- Structure --------------------------------------------------------------------------


def test_nested_items_in_depth_first_order():
    body = """
      <organizations default="ORG">
        <organization identifier="ORG">
          <title>Khoá học nhiều phần</title>
          <item identifier="A" identifierref="RES-A"><title>Mở đầu</title></item>
          <item identifier="B" identifierref="RES-C" isvisible="false">
            <title>Chương 1</title>
            <item identifier="B1" identifierref="RES-B1"><title>Bài 1.1</title></item>
            <item identifier="B2"><title>Nhóm rỗng</title></item>
            <item identifier="B3" identifierref="RES-PDF"><title>Tài liệu</title></item>
            <item identifier="B4" identifierref="RES-NOHREF"><title>Phụ thuộc</title></item>
          </item>
          <item identifier="C" identifierref="RES-C"><title>Kết</title></item>
        </organization>
      </organizations>
      <resources>
        <resource identifier="RES-A" type="webcontent" adlcp:scormType="sco" href="a/index.html"/>
        <resource identifier="RES-B1" type="webcontent" adlcp:scormType="SCO" href="b1.html"/>
        <resource identifier="RES-PDF" type="webcontent" adlcp:scormType="asset" href="doc.pdf"/>
        <resource identifier="RES-NOHREF" type="webcontent" adlcp:scormType="asset">
          <file href="shared/lib.js"/>
        </resource>
        <resource identifier="RES-C" type="webcontent" href="c.html"/>
      </resources>"""
    parsed = parse_manifest(manifest(body))

    organization = parsed.default_organization
    assert [item.identifier for item in organization.items] == ["A", "B", "C"]
    chapter = organization.items[1]
    # A parent's own resource (allowed in SCORM 1.2) is not among the things to open.
    assert chapter.is_visible is False and chapter.launch == "c.html"
    assert [child.identifier for child in chapter.children] == ["B1", "B2", "B3", "B4"]
    assert chapter.children[0].title == "Bài 1.1"
    assert [item.identifier for item in parsed.launch_items()] == ["A", "B1", "B3", "C"]
    assert [item.launch for item in parsed.launch_items()] == [
        "a/index.html",
        "b1.html",
        "doc.pdf",
        "c.html",
    ]
    assert parsed.launch.identifier == "A"
    assert parsed.resources["RES-B1"].scorm_type == "sco"
    # A resource without scormtype is an asset, as plain IMS packages have none.
    assert parsed.resources["RES-C"].scorm_type == "asset"
    assert parsed.resources["RES-NOHREF"].files == ["shared/lib.js"]


def test_xml_base_is_combined():
    body = (
        '<organizations><organization identifier="ORG"><title>T</title>'
        '<item identifier="I" identifierref="R"><title>T</title></item>'
        '</organization></organizations><resources xml:base="content">'
        + sco(
            "R",
            "../shared/start.html?lang=vi",
            attrs=' xml:base="sco1/"',
            files='<file href="../shared/start.html"/><file href="pics/a%20b.png"/>',
        )
        + "</resources>"
    )
    parsed = parse_manifest(manifest(body, attrs=' xml:base="course/"'))

    assert parsed.launch.launch == "course/content/shared/start.html"
    assert parsed.launch.launch_query == "?lang=vi"
    resource = parsed.resources["R"]
    assert resource.base == "course/content/sco1/"
    assert resource.href == "../shared/start.html?lang=vi"
    assert resource.files == [
        "course/content/shared/start.html",
        "course/content/sco1/pics/a b.png",
    ]


def test_backslashes_read_as_folders():
    parsed = parse_manifest(one_sco("content\\index.html"))

    assert parsed.launch.launch == "content/index.html"


@pytest.mark.parametrize(
    ("href", "parameters", "expected"),
    [
        ("index.html", "?page=2", "?page=2"),
        ("index.html", "page=2&x=1", "?page=2&x=1"),
        ("index.html?lang=vi", "&page=2", "?lang=vi&page=2"),
        ("index.html?lang=vi", "?&page=2", "?lang=vi&page=2"),
        ("index.html", "#intro", "#intro"),
        ("index.html#top", "#intro", "#top"),
        ("index.html#top", "page=2", "?page=2#top"),
        ("index.html?a=1#top", "", "?a=1#top"),
        ("index.html", "", ""),
    ],
)
def test_parameters_join_the_launch_url(href, parameters, expected):
    parsed = parse_manifest(
        one_sco(href, item_attrs=f' parameters="{parameters.replace("&", "&amp;")}"')
    )

    assert parsed.launch.launch == "index.html"
    assert parsed.launch.parameters == parameters
    assert parsed.launch.launch_query == expected


def test_default_organization_chosen_by_attribute():
    body = """
      <organizations default="ORG-2">
        <organization identifier="ORG-1"><title>Một</title>
          <item identifier="I1" identifierref="R1"><title>Một</title></item></organization>
        <organization identifier="ORG-2"><title>Hai</title>
          <item identifier="I2" identifierref="R2"><title>Hai</title></item></organization>
      </organizations>
      <resources>
        <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="one.html"/>
        <resource identifier="R2" type="webcontent" adlcp:scormtype="sco" href="two.html"/>
      </resources>"""
    parsed = parse_manifest(manifest(body, version="1.2"))

    assert [o.identifier for o in parsed.organizations] == ["ORG-1", "ORG-2"]
    assert parsed.default_organization.identifier == "ORG-2"
    assert parsed.title == "Hai"
    assert parsed.launch.launch == "two.html"

    without_default = parse_manifest(manifest(body.replace(' default="ORG-2"', ""), version="1.2"))
    assert without_default.default_organization.identifier == "ORG-1"
    assert without_default.launch.launch == "one.html"


def test_version_from_namespaces_without_schemaversion():
    assert parse_manifest(one_sco(version="1.2", schemaversion=None)).version == "1.2"
    scorm_2004 = parse_manifest(one_sco(schemaversion=None))
    assert (scorm_2004.version, scorm_2004.edition) == ("2004", "2004")
    # SCORM 1.2 packages often declare the 2004 package namespace; adlcp decides.
    borrowed = one_sco(version="1.2", schemaversion=None).replace(
        b"http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        b"http://www.imsglobal.org/xsd/imscp_v1p1",
    )
    assert parse_manifest(borrowed).version == "1.2"


def test_scorm_2004_namespace_alone_decides():
    data = one_sco(schemaversion=None).replace(
        b' xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"', b""
    )

    assert parse_manifest(data).version == "2004"


def test_schemaversion_read_loosely():
    parsed = parse_manifest(one_sco(schemaversion=" 2004  3rd  edition "))

    assert parsed.edition == "2004 3rd Edition"


def test_minimum_normalized_measure_defaults_to_one():
    sequencing = (
        '<imsss:sequencing><imsss:objectives><imsss:primaryObjective satisfiedByMeasure="true"/>'
        "</imsss:objectives></imsss:sequencing>"
    )
    data = one_sco().replace(
        b"<title>B\xc3\xa0i 1</title>", f"<title>x</title>{sequencing}".encode()
    )

    assert parse_manifest(data).launch.scaled_passing_score == 1.0
    not_by_measure = data.replace(b'satisfiedByMeasure="true"', b'satisfiedByMeasure="false"')
    assert parse_manifest(not_by_measure).launch.scaled_passing_score is None


def test_utf8_byte_order_mark_accepted():
    assert parse_manifest(b"\xef\xbb\xbf" + one_sco()).launch.launch == "index.html"


# --- Refusals ---------------------------------------------------------------------------


def test_manifest_error_is_a_value_error():
    assert issubclass(ManifestError, ValueError)


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"<manifest><organizations></manifest>"])
def test_not_xml(data):
    assert "không phải XML hợp lệ" in refusal(data)


@pytest.mark.parametrize(
    "data",
    [
        b'<!DOCTYPE manifest [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><manifest>&b;</manifest>',
        b'<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]><manifest>&x;</manifest>',
        b'<!DOCTYPE manifest SYSTEM "http://example.com/manifest.dtd"><manifest/>',
    ],
)
def test_dtd_and_entities_refused(data):
    assert "DTD" in refusal(data)


def test_too_large():
    data = one_sco() + b"<!--" + b"x" * MAX_MANIFEST_BYTES + b"-->"

    message = refusal(data)
    assert "quá lớn" in message and str(MAX_MANIFEST_BYTES) in message


def test_wrong_root_element():
    message = refusal(b"<html><body/></html>")

    assert "<html>" in message and "<manifest>" in message


@pytest.mark.parametrize(
    "body",
    [
        "<resources/>",
        '<organizations default="ORG"/><resources/>',
    ],
)
def test_no_organization(body):
    assert refusal(manifest(body)) == "Gói không có tổ chức (organization) nào để mở."


def test_default_organization_missing():
    data = one_sco().replace(b'default="ORG"', b'default="ORG-KHAC"')

    message = refusal(data)
    assert "ORG-KHAC" in message and "mặc định" in message


def test_item_referencing_missing_resource():
    data = one_sco().replace(b'identifierref="RES"', b'identifierref="RES-MAT"')

    assert refusal(data) == "Mục ITEM trỏ tới tài nguyên không có: RES-MAT"


@pytest.mark.parametrize(
    "body",
    [
        # The only resource has no page.
        '<organizations><organization identifier="O"><title>T</title>'
        '<item identifier="I" identifierref="R"><title>T</title></item></organization></organizations>'
        '<resources><resource identifier="R" type="webcontent" adlcp:scormType="asset">'
        '<file href="a.js"/></resource></resources>',
        # Nothing refers to the resource.
        '<organizations><organization identifier="O"><title>T</title>'
        '<item identifier="I"><title>T</title></item></organization></organizations>'
        '<resources><resource identifier="R" type="webcontent" adlcp:scormType="sco" href="a.html"/>'
        "</resources>",
    ],
)
def test_nothing_to_launch(body):
    assert "SCO" in refusal(manifest(body))


@pytest.mark.parametrize("declared", ["1.1", "2004 5th Edition", "CAM 1.2"])
def test_unsupported_version(declared):
    assert refusal(one_sco(schemaversion=declared)) == (
        f"Phiên bản SCORM không được hỗ trợ: {declared}"
    )


def test_version_unknown_without_namespaces():
    data = (
        b'<manifest identifier="M"><organizations><organization identifier="O">'
        b'<item identifier="I" identifierref="R"/></organization></organizations>'
        b'<resources><resource identifier="R" type="webcontent" href="a.html"/></resources></manifest>'
    )

    assert "Phiên bản SCORM không được hỗ trợ" in refusal(data)


UNSAFE = [
    ("/etc/passwd", "/etc/passwd"),
    ("C:/course/index.html", "C:/course/index.html"),
    ("C:\\course\\index.html", "C:\\course\\index.html"),
    ("..\\..\\windows\\win.ini", "..\\..\\windows\\win.ini"),
    ("../outside.html", "../outside.html"),
    ("a/../../outside.html", "a/../../outside.html"),
    ("http://evil.example/x.html", "http://evil.example/x.html"),
    ("https://evil.example/", "https://evil.example/"),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("data:text/html,hi", "data:text/html,hi"),
    ("//evil.example/x.html", "//evil.example/x.html"),
    ("%2e%2e/outside.html", "%2e%2e/outside.html"),
    ("a/%2E%2E%2F%2E%2E%2Foutside.html", "a/%2E%2E%2F%2E%2E%2Foutside.html"),
    ("%252e%252e/outside.html", "%252e%252e/outside.html"),
    ("%2fetc/passwd", "%2fetc/passwd"),
    ("%252fetc/passwd", "%252fetc/passwd"),
    ("\\\\evil.example\\share\\x.html", "\\\\evil.example\\share\\x.html"),
    ("..%5coutside.html", "..%5coutside.html"),
    ("index%00.html", "index%00.html"),
    ("index.html?x=%0a", "index.html?x=%0a"),
    ("a&#9;b.html", "a\\tb.html"),
    ("index%ff.html", "index%ff.html"),
    ("./", "./"),
]


@pytest.mark.parametrize(("href", "shown"), UNSAFE)
def test_unsafe_launch_href(href, shown):
    message = refusal(one_sco(href))

    assert message == f"Đường dẫn trong gói không hợp lệ: {shown}"


@pytest.mark.parametrize(("href", "shown"), UNSAFE[:8])
def test_unsafe_file_href(href, shown):
    message = refusal(one_sco(files=f'<file href="index.html"/><file href="{href}"/>'))

    assert message == f"Đường dẫn trong gói không hợp lệ: {shown}"


@pytest.mark.parametrize(
    ("base", "shown"),
    [
        ("http://cdn.example/", "http://cdn.example/"),
        ("/srv/", "/srv/"),
        ("../", "../"),
        ("a/../../", "a/../../"),
    ],
)
def test_unsafe_xml_base(base, shown):
    data = one_sco().replace(b"<resources>", f'<resources xml:base="{base}">'.encode())

    assert refusal(data) == f"Đường dẫn trong gói không hợp lệ: {shown}"


def test_unsafe_href_named_as_written_under_a_base():
    data = one_sco("https://evil.example/x.html").replace(
        b"<resources>", b'<resources xml:base="content/">'
    )

    assert refusal(data) == "Đường dẫn trong gói không hợp lệ: https://evil.example/x.html"


def test_base_and_href_together_leaving_the_package():
    data = one_sco("../../x.html").replace(b"<resources>", b'<resources xml:base="a/">')

    assert refusal(data) == "Đường dẫn trong gói không hợp lệ: a/../../x.html"


def test_unknown_scorm_type():
    data = one_sco().replace(b'adlcp:scormType="sco"', b'adlcp:scormType="lesson"')

    message = refusal(data)
    assert "RES" in message and "lesson" in message


@pytest.mark.parametrize("score", ["tám mươi", "120", "-5", "nan"])
def test_invalid_mastery_score(score):
    data = one_sco(version="1.2").replace(
        b"</title></item>",
        f"</title><adlcp:masteryscore>{score}</adlcp:masteryscore></item>".encode(),
    )

    message = refusal(data)
    assert "ITEM" in message and score in message


def test_invalid_minimum_normalized_measure():
    data = sample_manifest("2004", mastery_score=150).encode()

    message = refusal(data)
    assert "ITEM-1" in message and "1.5" in message


def test_items_nested_too_deep():
    depth = MAX_ITEM_DEPTH + 1
    items = '<item identifier="I">' * depth + "</item>" * depth
    body = (
        f'<organizations><organization identifier="O">{items}</organization></organizations>'
        "<resources/>"
    )

    assert str(MAX_ITEM_DEPTH) in refusal(manifest(body))
