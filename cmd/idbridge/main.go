// Command idbridge serves a SaaS product's accounts: self-service sign-up
// and sign-in, SCIM 2.0 provisioning and SAML/OIDC single sign-on for
// Enterprise teams. It is also the operator's CLI (migrate, teams, domains,
// users, SCIM tokens, demo).
//
// This package wires every other package together; it holds no business
// rules of its own.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
