using OneClick.MetaSandbox;

// Runs the sandbox alone (default http://localhost:7081; override with --urls).
SandboxApp.Build(args).Run();
