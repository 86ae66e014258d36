from django.contrib import admin

from ateliers.models import Event, Item, Section, Theme, Workshop
from observatoire.tags import ADMIN_FORMFIELD_OVERRIDES


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["position", "kind", "heading"]
    extra = 0
    show_change_link = True


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "territory", "status", "starts_on"]
    list_filter = ["status", "event"]
    search_fields = ["title"]
    raw_id_fields = ["territory", "created_by"]
    # Uploaded through the editing page, which strips the image's metadata.
    readonly_fields = ["summary_image"]
    inlines = [SectionInline]
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "workshop", "position"]
    list_filter = ["kind"]
    raw_id_fields = ["workshop"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "position"]
    raw_id_fields = ["section"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "section", "position"]
    raw_id_fields = ["section", "theme", "parent"]
    search_fields = ["text"]
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES
