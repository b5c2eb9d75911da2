from kobepost.public.tests.fixtures import *  # noqa: F403 - citizens, posts, photos
