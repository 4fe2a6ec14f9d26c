from django.db import migrations

# Wagtail checks image and document permissions per collection; the model-level ones
# the trainers group got in 0003 do not let anyone upload. Trainers add and choose in
# every collection (the root's permissions apply below it) and edit what they uploaded.
MEDIA = [
    ("wagtailimages", "image", ["add_image", "choose_image"]),
    ("wagtaildocs", "document", ["add_document", "choose_document"]),
]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    trainers = Group.objects.get(name="Giảng viên")
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    for app_label, model, codenames in MEDIA:
        # On a new database the permissions are created after all migrations ran.
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for codename in codenames:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=codename,
                defaults={"name": f"Can {codename.replace('_', ' ')}"},
            )
            GroupCollectionPermission.objects.get_or_create(
                group=trainers, collection=root, permission=permission
            )


def revoke(apps, schema_editor):
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupCollectionPermission.objects.filter(
        group__name="Giảng viên",
        collection__depth=1,
        # Wagtail's own migrations had already given the group "choose".
        permission__codename__in=["add_image", "add_document"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0003_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0066_collection_management_permissions"),
        # These give "choose" to groups that may add; running after them avoids a clash.
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtaildocs", "0011_add_choose_permissions"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
