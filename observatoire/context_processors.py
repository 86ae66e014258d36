from django.conf import settings

from observatoire import roles


def site(request):
    user = request.user
    return {
        "SITE_NAME": settings.SITE_NAME,
        "user_is_moderator": roles.is_moderator(user),
        "user_is_facilitator": roles.is_facilitator(user),
        "user_is_agent": roles.is_agent(user),
    }
