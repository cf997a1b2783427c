package bench

import "testing"

func TestKubectlRequests(t *testing.T) {
	log := `I1125 13:18:21.710391    3563 loader.go:402] Config loaded from file:  /tmp/kubeconfig
I1125 13:18:21.713145    3563 round_trippers.go:560] GET https://127.0.0.1:43435/openapi/v3?timeout=32s 200 OK in 1 milliseconds
I1125 13:18:21.818617    3563 round_trippers.go:560] GET https://127.0.0.1:43435/api?timeout=32s 200 OK in 2 milliseconds
I1125 13:18:23.042410    3563 round_trippers.go:560] PATCH https://127.0.0.1:43435/api/v1/namespaces/kt?fieldManager=kubectl&fieldValidation=Strict&force=false 201 Created in 3 milliseconds
I1125 13:18:23.045800    3563 round_trippers.go:560] PATCH https://127.0.0.1:43435/api/v1/namespaces/kt/configmaps/cm-1?fieldManager=kubectl&force=false 409 Conflict in 3 milliseconds
I1125 13:18:23.045800    3563 round_trippers.go:632] "Response" verb="GET" url="https://127.0.0.1:43435/api/v1/namespaces/kt/configmaps" status="200 OK" milliseconds=3
`
	c := kubectlRequests(log)
	if got, want := c.String(), "PATCH 2 (1 × 409), LIST 1, discovery 2"; got != want {
		t.Errorf("requests = %q, want %q", got, want)
	}
	if c.Writes != 2 {
		t.Errorf("writes = %d, want 2", c.Writes)
	}
}
