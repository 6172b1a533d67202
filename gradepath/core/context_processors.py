from django.conf import settings


def gradepath(request):
    """Facts every page's layout needs and core knows: whether this is the demo site.

    Who is signed in and in what roles comes from ``people.context_processors``."""
    return {"demo_mode": settings.DEMO_MODE}
