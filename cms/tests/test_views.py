import re

import pytest

from cms import offline


@pytest.fixture(autouse=True)
def _fresh_script(monkeypatch):
    monkeypatch.setattr(offline, "_script", None)


def test_service_worker_is_served_from_the_root(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert "Set-Cookie" not in response
    script = response.content.decode()
    version = re.search(r'const VERSION = "(v\d+)";', script)
    assert version, "the worker names its cache version"
    assert '"lms-pages-" + VERSION' in script and '"lms-static-" + VERSION' in script
    assert "Bạn đang ngoại tuyến. Các bài đã mở trước đây vẫn đọc được." in script
    assert 'href="/my-learning/"' in script


def test_browsers_checking_for_a_new_worker_get_a_304(client, db):
    tag = client.get("/sw.js")["ETag"]
    assert client.get("/sw.js", headers={"if-none-match": tag}).status_code == 304


def test_service_worker_is_read_from_static_root_after_collectstatic(
    client, db, settings, tmp_path, monkeypatch
):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "sw.js").write_text('const VERSION = "v99";')
    settings.STATIC_ROOT = tmp_path
    monkeypatch.setattr(offline.finders, "find", lambda path: None)
    assert client.get("/sw.js").content == b'const VERSION = "v99";'


def test_logging_out_clears_the_browsers_caches(client, learner):
    client.force_login(learner)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
    assert "_auth_user_id" not in client.session
