from django.urls import path

from customers import bulk_views, column_views, import_views, merge_views, views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("export/", views.customer_export, name="export"),
    path("bulk/", bulk_views.bulk, name="bulk"),
    path("duplicates/", merge_views.duplicates, name="duplicates"),
    path("merge/", merge_views.merge, name="merge"),
    path("merges/<int:pk>/undo/", merge_views.merge_undo, name="merge_undo"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/archive/", views.customer_archive, name="archive"),
    path("<int:pk>/restore/", views.customer_restore, name="restore"),
    path("imports/", import_views.batch_list, name="batches"),
    path("imports/new/", import_views.batch_upload, name="import"),
    path("imports/<int:pk>/", import_views.batch_detail, name="batch"),
    path("imports/<int:pk>/columns/", column_views.batch_columns, name="batch_columns"),
    path("imports/<int:pk>/apply/", import_views.batch_apply, name="batch_apply"),
    path("imports/<int:pk>/discard/", import_views.batch_discard, name="batch_discard"),
    path(
        "imports/<int:pk>/progress/",
        import_views.batch_progress,
        name="batch_progress",
    ),
    path(
        "imports/<int:pk>/check/",
        import_views.batch_check_again,
        name="batch_check_again",
    ),
    path("imports/<int:pk>/mode/", import_views.batch_mode, name="batch_mode"),
    path(
        "imports/<int:pk>/rejected.csv",
        import_views.batch_rejected,
        name="batch_rejected",
    ),
    path("imports/<int:pk>/undo/", import_views.batch_revert, name="batch_revert"),
]
