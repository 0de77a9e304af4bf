from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from customer_flow import views
from customer_flow.accounts import ThrottledPasswordChangeView

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "login/",
        login_not_required(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        ThrottledPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("account/two-factor/", include("customer_flow.two_factor_urls")),
    path("customers/", include("customers.urls")),
    path("tickets/", include("tickets.urls")),
    path("account/api-tokens/", include("customer_flow.api.token_urls")),
    path("api/v1/", include("customer_flow.api.urls")),
    path("admin/", admin.site.urls),
]
