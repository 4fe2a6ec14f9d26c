from django.db import migrations

# 0004 let the trainers group add and choose images and documents in every collection.
# Trainers now get those permissions through the group of each course they teach, on
# that course's collection only (see courses.services.permissions); the site-wide grant
# would let them see and choose every other course's media.
TRAINERS_GROUP = "Giảng viên"
MEDIA = ["add_image", "choose_image", "change_image", "add_document", "choose_document",
         "change_document"]


def revoke(apps, schema_editor):
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupCollectionPermission.objects.filter(
        group__name=TRAINERS_GROUP, permission__codename__in=MEDIA
    ).delete()


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    trainers = Group.objects.filter(name=TRAINERS_GROUP).first()
    root = Collection.objects.filter(depth=1).first()
    if trainers is None or root is None:
        return
    for permission in Permission.objects.filter(
        content_type__app_label__in=["wagtailimages", "wagtaildocs"],
        codename__in=["add_image", "choose_image", "add_document", "choose_document"],
    ):
        GroupCollectionPermission.objects.get_or_create(
            group=trainers, collection=root, permission=permission
        )


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0007_people_data"),
    ]
    operations = [migrations.RunPython(revoke, grant)]
