package bench

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// settle waits, up to timeout, until every Deployment in Namespace is
// Available, so that a re-apply is timed on a quiet control plane rather
// than against controllers still creating ReplicaSets and Pods. It
// returns how long it waited and whether the cluster settled.
func settle(ctx context.Context, cfg *rest.Config, timeout time.Duration) (time.Duration, bool) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, false
	}
	start := time.Now()
	err = wait.PollUntilContextTimeout(ctx, 2*time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		list, err := cs.AppsV1().Deployments(Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, d := range list.Items {
			if d.Status.ObservedGeneration < d.Generation || d.Status.AvailableReplicas < 1 {
				return false, nil
			}
		}
		return true, nil
	})
	return time.Since(start), err == nil
}
