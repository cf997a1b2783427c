{{/*
NOT UPSTREAM: added by the Tugboat conformance corpus (see entry.yaml notes).
The upstream templates call "podinfo.namespace", whose definition was not
available in the stored copy of _helpers.tpl.
*/}}
{{- define "podinfo.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end }}
