using OneClick.Functions;

OneClickApp.Build(args).Run();
