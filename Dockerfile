FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.runtime.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.runtime.lock
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
EXPOSE 8000
CMD ["gunicorn", "apicenter.wsgi", "--bind", "0.0.0.0:8000"]
