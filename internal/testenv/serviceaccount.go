package testenv

import (
	"context"
	"fmt"
	"path/filepath"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Restricted is a ServiceAccount's credentials, for RBAC tests: it can do only
// what the caller binds to it.
type Restricted struct {
	Namespace, Name string
	Token           string
	Config          *rest.Config
	Kubeconfig      string
}

// ServiceAccountCredentials creates (or reuses) the ServiceAccount
// namespace/name, with its namespace, and mints a one-hour token for it.
func (c *Cluster) ServiceAccountCredentials(ctx context.Context, namespace, name string) (*Restricted, error) {
	cs := c.Clientset()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create namespace %s: %w", namespace, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
	if _, err := cs.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create serviceaccount %s/%s: %w", namespace, name, err)
	}
	seconds := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &seconds}}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("token for serviceaccount %s/%s: %w", namespace, name, err)
	}
	r := &Restricted{
		Namespace: namespace, Name: name, Token: tr.Status.Token,
		Config: &rest.Config{
			Host: c.Server, BearerToken: tr.Status.Token,
			TLSClientConfig: rest.TLSClientConfig{CAData: c.pki.caPEM},
			QPS:             -1, Burst: -1,
		},
		Kubeconfig: filepath.Join(c.Dir, fmt.Sprintf("kubeconfig-%s-%s", namespace, name)),
	}
	if err := c.writeKubeconfig(r.Kubeconfig, &clientcmdapi.AuthInfo{Token: r.Token}); err != nil {
		return nil, err
	}
	return r, nil
}
