from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.TicketListView.as_view(), name="list"),
    path("<int:pk>/", views.TicketDetailView.as_view(), name="detail"),
]
