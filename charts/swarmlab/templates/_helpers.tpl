{{/* Chart name. */}}
{{- define "swarmlab.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-swarmlab, or the release name alone when it already contains the chart name. */}}
{{- define "swarmlab.fullname" -}}
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

{{- define "swarmlab.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable across upgrades. */}}
{{- define "swarmlab.selectorLabels" -}}
app.kubernetes.io/name: {{ include "swarmlab.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* Labels on every object. Not app.kubernetes.io/managed-by=swarmlab: that value marks the operator's own children. */}}
{{- define "swarmlab.labels" -}}
{{- $std := dict "helm.sh/chart" (include "swarmlab.chart" .) "app.kubernetes.io/name" (include "swarmlab.name" .) "app.kubernetes.io/instance" .Release.Name "app.kubernetes.io/version" .Chart.AppVersion "app.kubernetes.io/managed-by" .Release.Service "app.kubernetes.io/part-of" "swarmlab" }}
{{- toYaml (merge $std (deepCopy .Values.commonLabels)) }}
{{- end }}

{{/* (list $ extraLabels): the common labels with extra ones on top (maps, so a key never appears twice). */}}
{{- define "swarmlab.labelsWith" -}}
{{- $ctx := index . 0 }}
{{- toYaml (merge (deepCopy (index . 1)) (include "swarmlab.labels" $ctx | fromYaml)) }}
{{- end }}

{{- define "swarmlab.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "swarmlab.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Runner ServiceAccount name; empty when none is created or named (runner pods then use "default"). */}}
{{- define "swarmlab.runnerServiceAccountName" -}}
{{- if .Values.runner.serviceAccount.create }}
{{- default (printf "%s-runner" (include "swarmlab.fullname" .) | trunc 63 | trimSuffix "-") .Values.runner.serviceAccount.name }}
{{- else }}
{{- .Values.runner.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "swarmlab.leaseName" -}}
{{- default (include "swarmlab.fullname" .) .Values.operator.leaderElection.leaseName }}
{{- end }}

{{/* repository[:tag][@digest] */}}
{{- define "swarmlab.imageRef" -}}
{{- $repo := index . 0 }}{{- $tag := index . 1 }}{{- $digest := index . 2 }}
{{- if $digest }}
{{- printf "%s@%s" $repo $digest }}
{{- else }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}
{{- end }}

{{- define "swarmlab.operatorImage" -}}
{{- $i := .Values.operator.image }}
{{- include "swarmlab.imageRef" (list $i.repository (default .Chart.AppVersion $i.tag) $i.digest) }}
{{- end }}

{{- define "swarmlab.runnerImage" -}}
{{- $o := .Values.operator.image }}
{{- $r := .Values.runner.image }}
{{- $repo := default $o.repository $r.repository }}
{{- $tag := default (default .Chart.AppVersion $o.tag) $r.tag }}
{{- $digest := $r.digest }}
{{- if and (not $r.repository) (not $r.tag) (not $digest) }}{{ $digest = $o.digest }}{{ end }}
{{- include "swarmlab.imageRef" (list $repo $tag $digest) }}
{{- end }}

{{/* Checks that cannot be expressed in values.schema.json. */}}
{{- define "swarmlab.validate" -}}
{{- if and (gt (int .Values.operator.replicas) 1) (not .Values.operator.leaderElection.enabled) }}
{{- fail "operator.replicas > 1 needs operator.leaderElection.enabled: two replicas without a leader would reconcile the same Experiments at once" }}
{{- end }}
{{- end }}
