package redact

import "errors"

// Error returns err with its message passed through Text. When that
// changes the message, the result matches what err matches under
// errors.Is but does not unwrap to it: unwrapping would give the secrets
// back. An err whose message holds nothing to redact is returned as it is.
// Error returns nil for nil.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := Text(msg, secrets...)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// redactedError is an error whose message was redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
