{{/*
NOT UPSTREAM: added by the Tugboat conformance corpus (see entry.yaml notes).
The upstream templates call "metrics-server.namespace", whose definition was
not in the stored copies of _helpers.tpl that could be reached.
*/}}
{{- define "metrics-server.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end }}
