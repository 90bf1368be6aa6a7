{{/* Chart name, truncated to the 63 characters Kubernetes names allow. */}}
{{- define "frameguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already contains the chart name. */}}
{{- define "frameguard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "frameguard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "frameguard.labels" -}}
helm.sh/chart: {{ include "frameguard.chart" . }}
{{ include "frameguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "frameguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "frameguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "frameguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "frameguard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image: the GPU variant ("<tag>-gpu") when gpu.enabled. */}}
{{- define "frameguard.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.gpu.enabled }}{{ $tag = printf "%s-gpu" $tag }}{{ end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}

{{/* Secret Kafka client settings shared by the service and the trainer (the rest is in the ConfigMap). */}}
{{- define "frameguard.kafkaEnv" -}}
{{- if .Values.kafka.existingSecret }}
- name: KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.existingSecret }}
      key: sasl-jaas-config
      optional: true
- name: KAFKA_SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.existingSecret }}
      key: truststore-password
      optional: true
- name: KAFKA_SSL_KEYSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.existingSecret }}
      key: keystore-password
      optional: true
- name: KAFKA_SSL_KEY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.existingSecret }}
      key: key-password
      optional: true
{{- end }}
{{- end }}

{{/* The service container's secret settings: Kafka's and the management API token. */}}
{{- define "frameguard.serviceEnv" -}}
{{- include "frameguard.kafkaEnv" . }}
{{- if .Values.api.adminTokenSecret }}
- name: FRAMEGUARD_API_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.api.adminTokenSecret }}
      key: admin-token
{{- end }}
{{- if .Values.api.readTokenSecret }}
- name: FRAMEGUARD_API_READ_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.api.readTokenSecret }}
      key: read-token
{{- end }}
{{- end }}

{{/* The trainer's command line (sidecar or CronJob). */}}
{{- define "frameguard.trainerArgs" -}}
- trainer
- --model={{ .Values.model.name }}
- --topic={{ .Values.model.registryTopic }}
- --frames-topic={{ .Values.topics.frames }}
- --scores-topic={{ .Values.topics.scores }}
- --anomalies-topic={{ .Values.topics.anomalies }}
- --drift-topic={{ .Values.topics.drift }}
- --min-frames={{ .Values.trainer.minFrames }}
- --max-frames={{ .Values.trainer.maxFrames }}
- --metrics-port={{ .Values.trainer.metricsPort }}
{{- if not .Values.trainer.activate }}
- --no-activate
{{- end }}
{{- end }}
