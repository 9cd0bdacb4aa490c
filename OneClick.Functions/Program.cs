using OneClick.Functions;

OneClickApp.CreateBuilder(args).Build().Run();
