import pytest

# Trainers upload into the collections of the courses they teach: see
# courses/tests/test_course_media.py.


@pytest.mark.django_db
def test_learners_upload_nothing(client, learner):
    client.force_login(learner)
    response = client.get("/admin/images/multiple/add/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
