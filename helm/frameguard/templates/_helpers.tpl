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

{{/*
This install's name on the Kafka cluster (frameguard.instance): kafka.instance; else, on an upgrade, the name the
running install has (its ConfigMap's FRAMEGUARD_INSTANCE, or "frameguard" for an install from before the setting, whose
groups and Streams state carry on); else the full name. `helm template` cannot look: it renders the full name.
*/}}
{{- define "frameguard.instance" -}}
{{- if .Values.kafka.instance }}
{{- .Values.kafka.instance }}
{{- else }}
{{- $running := "" }}
{{- if .Release.IsUpgrade }}
{{- $cm := lookup "v1" "ConfigMap" .Release.Namespace (include "frameguard.fullname" .) }}
{{- if $cm }}{{ $running = get (default dict $cm.data) "FRAMEGUARD_INSTANCE" | default "frameguard" }}{{ end }}
{{- end }}
{{- default (include "frameguard.fullname" .) $running }}
{{- end }}
{{- end }}

{{/*
How the scorer writes score records (frameguard.topics.scores-format): topics.scoresFormat; else, on an upgrade, what
the running install writes (its ConfigMap's FRAMEGUARD_TOPICS_SCORES_FORMAT, or "json" for an install from before the
setting, whose detectors read JSON only); else "binary". And "json", whatever topics.scoresFormat says, for an upgrade
of an install whose ConfigMap lacks the annotation frameguard.io/scores-encoding "2": its detectors read binary
records of one frame each and would skip this release's (several frames each) during the rolling update; the next
upgrade, from this release, writes what is set. `helm template` cannot look: it renders the setting or "binary".
*/}}
{{- define "frameguard.scoresFormat" -}}
{{- $format := .Values.topics.scoresFormat }}
{{- if .Release.IsUpgrade }}
{{- $cm := lookup "v1" "ConfigMap" .Release.Namespace (include "frameguard.fullname" .) }}
{{- if $cm }}
{{- if not $format }}{{ $format = get (default dict $cm.data) "FRAMEGUARD_TOPICS_SCORES_FORMAT" | default "json" }}{{ end }}
{{- if ne (get (default dict $cm.metadata.annotations) "frameguard.io/scores-encoding") "2" }}{{ $format = "json" }}{{ end }}
{{- end }}
{{- end }}
{{- default "binary" $format }}
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

{{/*
The CronJob trainer's pods: a name of their own, so that the Service, the PodDisruptionBudget and KEDA never count
them as scorers; the PodMonitor selects them.
*/}}
{{- define "frameguard.trainerSelectorLabels" -}}
app.kubernetes.io/name: {{ include "frameguard.name" . }}-trainer
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "frameguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "frameguard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image: the GPU variant ("<tag>-gpu") when gpu.enabled; pinned by image.digest when given. */}}
{{- define "frameguard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.gpu.enabled }}{{ $tag = printf "%s-gpu" $tag }}{{ end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Secret Kafka client settings from one Secret (the rest is in the ConfigMap). The argument is the Secret's name:
kafka.existingSecret for the scorer, trainer.kafka.existingSecret (or else the scorer's) for the trainer.
*/}}
{{- define "frameguard.kafkaEnv" -}}
{{- if . }}
- name: KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: sasl-jaas-config
      optional: true
- name: KAFKA_SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: truststore-password
      optional: true
- name: KAFKA_SSL_KEYSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: keystore-password
      optional: true
- name: KAFKA_SSL_KEY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: key-password
      optional: true
{{- end }}
{{- end }}

{{/* Where the model keys are mounted (see modelSigning in values.yaml). */}}
{{- define "frameguard.verifyKeyPath" -}}/etc/frameguard/model-verify/model-signing.pub{{- end }}
{{- define "frameguard.signingKeyPath" -}}/etc/frameguard/model-signing/model-signing.key{{- end }}

{{/* The service container's secret settings: its Kafka credentials, the API tokens, the model verification key. */}}
{{- define "frameguard.serviceEnv" -}}
{{- include "frameguard.kafkaEnv" .Values.kafka.existingSecret }}
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
{{- if .Values.modelSigning.verifyKeySecret }}
- name: FRAMEGUARD_REGISTRY_VERIFY_KEY
  value: {{ include "frameguard.verifyKeyPath" . }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The trainer's secret settings: its own Kafka credentials (it writes the registry), the signing key. */}}
{{- define "frameguard.trainerEnv" -}}
{{- include "frameguard.kafkaEnv" (default .Values.kafka.existingSecret .Values.trainer.kafka.existingSecret) }}
{{- if .Values.gpu.enabled }}
{{- /* the -gpu image sets NVIDIA_VISIBLE_DEVICES=all; a node whose default runtime is NVIDIA's would give the trainer,
which requests no GPU and trains on the CPU, every GPU of the node, the scorers' included */}}
- name: NVIDIA_VISIBLE_DEVICES
  value: void
{{- end }}
{{- if .Values.modelSigning.signingKeySecret }}
- name: FRAMEGUARD_MODEL_SIGNING_KEY
  value: {{ include "frameguard.signingKeyPath" . }}
{{- end }}
{{- if .Values.modelSigning.verifyKeySecret }}
- name: FRAMEGUARD_REGISTRY_VERIFY_KEY
  value: {{ include "frameguard.verifyKeyPath" . }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volume mounts of the model keys: the public key for both containers, the private key for the trainer only. */}}
{{- define "frameguard.verifyKeyMount" -}}
{{- if .Values.modelSigning.verifyKeySecret }}
- name: model-verify-key
  mountPath: /etc/frameguard/model-verify
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}
{{- define "frameguard.signingKeyMount" -}}
{{- if .Values.modelSigning.signingKeySecret }}
- name: model-signing-key
  mountPath: /etc/frameguard/model-signing
  readOnly: true
{{- end }}
{{- end }}

{{/* The volumes of the model keys, each with just its one key (the scorer never sees the private key). */}}
{{- define "frameguard.keyVolumes" -}}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- if .Values.modelSigning.verifyKeySecret }}
- name: model-verify-key
  secret:
    secretName: {{ .Values.modelSigning.verifyKeySecret }}
    items:
      - key: model-signing.pub
        path: model-signing.pub
{{- end }}
{{- if and .Values.modelSigning.signingKeySecret .Values.trainer.enabled }}
- name: model-signing-key
  secret:
    secretName: {{ .Values.modelSigning.signingKeySecret }}
    defaultMode: 0400
    items:
      - key: model-signing.key
        path: model-signing.key
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
- --verdicts-topic={{ .Values.topics.verdicts }}
- --min-frames={{ .Values.trainer.minFrames }}
- --max-frames={{ .Values.trainer.maxFrames }}
- --keep-versions={{ .Values.trainer.keepVersions }}
- --metrics-port={{ .Values.trainer.metricsPort }}
{{- if not .Values.trainer.activate }}
- --no-activate
{{- end }}
{{- end }}

{{/* KEDA's Kafka scaler `sasl` parameter for kafka.saslMechanism on a SASL protocol; empty otherwise. */}}
{{- define "frameguard.kedaSasl" -}}
{{- if hasPrefix "SASL" .Values.kafka.securityProtocol }}
{{- $m := .Values.kafka.saslMechanism | default "PLAIN" }}
{{- get (dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512" "OAUTHBEARER" "oauthbearer") $m | required (printf "kafka.saslMechanism %s has no KEDA equivalent" $m) }}
{{- end }}
{{- end }}
