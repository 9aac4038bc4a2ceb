from mentorship import create_app

app = create_app()
