from django.contrib import admin

from tickets.models import Category, Dial


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ("code", "name", "department", "sort_order", "active")


@admin.register(Dial)
class DialAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "phone", "sort_order")
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "dial", "department", "active")
    list_filter = ("dial", "department", "active")
    list_select_related = ("dial", "department")
    search_fields = ("name", "code")
