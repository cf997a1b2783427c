{{/*
The objects keep the names `tug install` gives them, not names derived
from the release: the ClusterRoles, their bindings and the leader Lease
are cluster-wide or fixed, so there is one controller per cluster, and a
cluster can move between `tug install` and this chart.
*/}}
{{- define "tugboat.name" -}}
tugboat-controller
{{- end -}}

{{/* Labels of every object the chart renders (not of the pods, whose
labels must stay the Deployment's selector). */}}
{{- define "tugboat.labels" -}}
app.kubernetes.io/name: {{ include "tugboat.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The controller's image: repository@digest, else repository:tag. A
digest is checked here so that a typo fails the install, not the pull. */}}
{{- define "tugboat.image" -}}
{{- $repo := required "image.repository is required: where `make image` pushed the controller" .Values.image.repository -}}
{{- with .Values.image.digest -}}
{{- if not (regexMatch "^sha256:[a-f0-9]{64}$" .) -}}
{{- fail (printf "image.digest %q: want sha256: and 64 lowercase hex digits, as `make image` prints after the @" .) -}}
{{- end -}}
{{ $repo }}@{{ . }}
{{- else -}}
{{ $repo }}:{{ required "image.digest (preferred: it cannot move) or image.tag is required" .Values.image.tag }}
{{- end -}}
{{- end -}}
