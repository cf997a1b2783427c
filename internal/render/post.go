package render

// PostOptions apply to the output of every renderer.
type PostOptions struct {
	// Namespace is set on namespaced objects that have none.
	Namespace string
	// Vars substitutes ${NAME} in every string value; with Strict (the
	// default, see AllowUndefinedVars) an undefined ${NAME} is an error.
	Vars               map[string]string
	AllowUndefinedVars bool
	// Labels are added to every object.
	Labels map[string]string
}
