from django.contrib import admin

from departments.models import Contractor, Department


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "phone", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "active")
    list_filter = ("active", "departments")
    search_fields = ("name", "email")
    filter_horizontal = ("departments", "categories")
