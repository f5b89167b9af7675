from django.urls import path

from deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("mine/", views.my_cases, name="my_cases"),
    path("department/", views.department_cases, name="department_cases"),
    path("<str:number>/", views.case_detail, name="case_detail"),
    path("<str:number>/<slug:action>/", views.case_act, name="case_act"),
]
