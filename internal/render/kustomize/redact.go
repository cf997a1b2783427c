package kustomize

import (
	"errors"
	"regexp"
)

// urlUserinfo matches the user and password of a URL, as in a remote base
// written https://user:token@host/repo; git and kustomize repeat the URL in
// their errors.
var urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/\s?#'"]+@`)

// redact masks URL credentials in err's message. The result still matches
// err's chain with errors.Is, but does not unwrap to it: that would give
// the credentials back.
func redact(err error) error {
	msg := err.Error()
	clean := urlUserinfo.ReplaceAllString(msg, "${1}***@")
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
