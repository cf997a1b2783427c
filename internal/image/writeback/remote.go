package writeback

import (
	"context"
	"errors"
	"fmt"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/gittransport"
)

// remoteHead lists the remote's refs and returns the commit branch points
// to, or the zero hash when it does not exist.
func (w *writer) remoteHead(ctx context.Context, branch string) (plumbing.Hash, error) {
	sess := w.auth.Session()
	remote := gogit.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: gogit.DefaultRemoteName, URLs: []string{w.ep.URL}})
	refs, err := remote.ListContext(ctx, &gogit.ListOptions{Auth: sess.Method})
	if err != nil {
		return plumbing.ZeroHash, w.remoteError("list branches", sess, err)
	}
	name := plumbing.NewBranchReferenceName(branch)
	for _, ref := range refs {
		if ref.Name() == name {
			return ref.Hash(), nil
		}
	}
	return plumbing.ZeroHash, nil
}

// remoteError gives a go-git error of an exchange with the remote its
// meaning (see authFailed) and takes the secrets out of it.
func (w *writer) remoteError(op string, sess *gittransport.Session, err error) error {
	return source.RedactError(fmt.Errorf("%s: %w", op, authFailed(sess.Classify(err))), w.secrets...)
}

// authFailed reports a demand for credentials as a refusal: writing back
// always needs credentials, so a missing one is a configuration fault of
// the same kind as a wrong one, and callers need test for one meaning.
// The message still says which it was.
func authFailed(err error) error {
	var serr *source.Error
	if errors.As(err, &serr) && serr.Kind == source.ErrAuthRequired {
		return &source.Error{Kind: source.ErrAuthFailed, Msg: serr.Msg}
	}
	return err
}

// isRefused reports whether err says the server refused the credentials,
// the host or the repository: asking again cannot help.
func isRefused(err error) bool {
	for _, kind := range []error{source.ErrAuthFailed, source.ErrHostKey, source.ErrNotFound} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

func notFound(branch string) error {
	return &source.Error{Kind: source.ErrNotFound, Msg: fmt.Sprintf("branch %s not found", branch)}
}
