package health

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

const unschedulableMsg = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. " +
	"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."

// computeCases gives the verdict on each fixture of testdata.
var computeCases = []struct {
	file    string
	status  Status
	reason  string
	message string
}{
	{"deployment-available.yaml", Current, "", "3/3 replicas available"},
	{"deployment-progressing.yaml", InProgress, "", "2/3 replicas available"},
	{"deployment-deadline-exceeded.yaml", Failed, "ProgressDeadlineExceeded", "0/1 replicas available"},
	{"deployment-rolling.yaml", InProgress, "", "3/3 replicas available, 1/3 updated"},
	{"deployment-old-terminating.yaml", InProgress, "", "3/3 replicas available, 2 old pending termination"},
	{"deployment-generation-not-observed.yaml", InProgress, "LatestGenerationNotObserved",
		"Deployment generation is 3, but latest observed generation is 2"},
	{"deployment-quota.yaml", InProgress, "FailedCreate", "0/2 replicas available, 0/2 updated; FailedCreate: " +
		`pods "web-7d9c5b8f4-x2x7k" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=0, limited: cpu=1`},
	{"statefulset-ready.yaml", Current, "", "3/3 replicas ready"},
	{"statefulset-progressing.yaml", InProgress, "", "2/3 replicas ready, 1/3 updated"},
	{"daemonset-updating.yaml", InProgress, "", "3/4 pods available, 2/4 updated"},
	{"replicaset-available.yaml", Current, "", "2/2 replicas available"},
	{"job-failed.yaml", Failed, "BackoffLimitExceeded", "Job has reached the specified backoff limit"},
	{"job-failure-target.yaml", Failed, "DeadlineExceeded", "Job was active longer than specified deadline"},
	{"job-complete.yaml", Current, "", "Job Completed. succeeded: 1/1"},
	{"pod-crashloop.yaml", Failed, "CrashLoopBackOff", "container web: last exit OOMKilled (code 137)"},
	{"pod-imagepull.yaml", Failed, "ImagePullBackOff", `container web: Back-off pulling image "nginx:does-not-exist"`},
	{"pod-errimagepull.yaml", Failed, "ErrImagePull",
		`container web: failed to pull and unpack image "registry.example.com/web:1.0": 401 Unauthorized`},
	{"pod-config-error.yaml", Failed, "CreateContainerConfigError", `container api: secret "db" not found`},
	{"pod-init-crashloop.yaml", Failed, "CrashLoopBackOff", "container wait-for-db: last exit Error (code 1)"},
	// Created long ago, so past kstatus's 15-second scheduling window.
	{"pod-unschedulable.yaml", Failed, "Unschedulable", unschedulableMsg},
	{"pod-creating.yaml", InProgress, "PodPending", "Pod is in the Pending phase"},
	{"pod-running.yaml", Current, "", "Pod is Ready"},
	{"configmap.yaml", Current, "", "Resource is always ready"},
	{"secret.yaml", Current, "", "Resource is always ready"},
	{"service-clusterip.yaml", Current, "", "Service is ready"},
	{"pvc-pending.yaml", InProgress, "NotBound", "PVC is not Bound. phase: Pending"},
	{"crd-established.yaml", Current, "", "CRD is established"},
	{"crd-names-conflict.yaml", Failed, "ShortNamesConflict", `"w" is already in use`},
	{"custom-ready-false.yaml", InProgress, "DoesNotExist", "Issuing certificate as Secret does not exist"},
	{"custom-stalled.yaml", Failed, "RenderFailed", `kustomize build: missing resource "base/deploy.yaml"`},
	{"custom-no-status.yaml", Current, "", "Resource is current"},
	{"terminating.yaml", Terminating, "", "Resource scheduled for deletion"},
}

func TestCompute(t *testing.T) {
	for _, tt := range computeCases {
		t.Run(tt.file, func(t *testing.T) {
			objs := readFixture(t, tt.file)
			u := objs[0].Unstructured
			want := Result{ID: objs[0].ID(), Status: tt.status, Reason: tt.reason, Message: tt.message}
			if got := Compute(u); got != want {
				t.Errorf("Compute(%s)\n got: %+v\nwant: %+v", tt.file, got, want)
			}
		})
	}
}

// TestComputeFixturesCovered keeps every fixture in a table, so none is
// added without a verdict.
func TestComputeFixturesCovered(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tt := range computeCases {
		listed[tt.file] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s has no case in computeCases", f)
		}
	}
}

func TestComputeMalformed(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "odd", "namespace": "shop"},
		"status":   map[string]any{"phase": "Exploded"},
	}}
	got := Compute(u)
	if got.Status != Unknown || got.Message == "" {
		t.Errorf("Compute(pod in unknown phase) = %+v, want Unknown with the error", got)
	}
}

func TestResultString(t *testing.T) {
	id := object.ID{Group: "apps", Kind: "Deployment", Namespace: "default", Name: "web"}
	tests := []struct {
		r    Result
		want string
	}{
		{Result{ID: id, Status: Current}, "Deployment.apps/default/web: Current"},
		{Result{ID: id, Status: InProgress, Message: "0/1 replicas available"},
			"Deployment.apps/default/web: InProgress: 0/1 replicas available"},
		{Result{ID: id, Status: Failed, Reason: "ProgressDeadlineExceeded", Message: "0/1 replicas available"},
			"Deployment.apps/default/web: Failed: ProgressDeadlineExceeded: 0/1 replicas available"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// readFixture decodes testdata/<name> into its objects.
func readFixture(t *testing.T, name string) []*object.Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := object.Decode(name, data, object.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s: no objects", name)
	}
	return objs
}
