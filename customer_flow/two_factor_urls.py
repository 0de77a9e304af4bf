from django.urls import path

from customer_flow import two_factor_views as views

app_name = "two_factor"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("setup/", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
    path("codes/", views.codes, name="codes"),
    path("codes/new/", views.renew_codes, name="renew_codes"),
    path("off/", views.disable, name="disable"),
]
