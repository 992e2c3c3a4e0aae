# One image for every service: the web app, the crawler and the migrations all run `clinics`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md clinics.py alembic.ini scrapy.cfg gunicorn.conf.py ./
COPY crawler crawler
COPY directory directory
COPY web web
COPY localweb localweb
RUN pip install --no-cache-dir . && useradd --create-home clinics
USER clinics
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "web:create_app()"]
