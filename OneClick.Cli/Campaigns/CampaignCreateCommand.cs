using System.ComponentModel;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using OneClick.Client.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Campaigns;

/// <summary>`oneclick campaigns create --name N --list L --template hello_world --language en_US` (or --text): a draft.</summary>
internal sealed class CampaignCreateCommand : ApiCommand<CampaignCreateCommand.Settings>
{
    internal sealed class Settings : ApiSettings
    {
        [CommandOption("--name <NAME>", isRequired: true)]
        public string Name { get; set; } = "";

        [CommandOption("--list <LIST_ID>")]
        [Description("A list to send to (repeatable).")]
        public string[] Lists { get; set; } = [];

        [CommandOption("--tag <TAG>")]
        [Description("Contacts with this tag (repeatable).")]
        public string[] Tags { get; set; } = [];

        [CommandOption("--contact <CONTACT_ID>")]
        [Description("One contact (repeatable).")]
        public string[] Contacts { get; set; } = [];

        [CommandOption("--template <NAME>")]
        [Description("An approved template's name (business-initiated messages must be templates).")]
        public string? Template { get; set; }

        [CommandOption("--language <CODE>")]
        [Description("The template's language code (default en_US).")]
        [DefaultValue("en_US")]
        public string Language { get; set; } = "en_US";

        [CommandOption("--text <BODY>")]
        [Description("A text message instead of a template (delivered only inside a customer service window).")]
        public string? Text { get; set; }

        public override ValidationResult Validate() =>
            Lists.Length + Tags.Length + Contacts.Length == 0 ? ValidationResult.Error("Give an audience: --list, --tag or --contact.")
            : (Template is null) == (Text is null) ? ValidationResult.Error("Give either --template (with --language) or --text.")
            : ValidationResult.Success();
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        var message = settings.Template is not null
            ? new SendMessageRequest { Type = "template", Template = new TemplateContent { Name = settings.Template, Language = settings.Language } }
            : new SendMessageRequest { Type = "text", Text = new TextContent { Body = settings.Text } };
        var campaign = (await api.Api.Campaigns.PostAsync(new CampaignRequest
        {
            Name = settings.Name,
            Audience = new AudienceSpec
            {
                Lists = settings.Lists.Length > 0 ? [.. settings.Lists] : null,
                Tags = settings.Tags.Length > 0 ? [.. settings.Tags] : null,
                Contacts = settings.Contacts.Length > 0 ? [.. settings.Contacts] : null,
            },
            Message = message,
        }, cancellationToken: cancellationToken))!;
        if (settings.Json)
            await Output.JsonAsync(campaign, cancellationToken);
        else
            AnsiConsole.MarkupLineInterpolated($"Campaign [blue]{campaign.Id}[/] \"{campaign.Name}\" created ({campaign.Status}). Launch it with `oneclick campaigns launch {campaign.Id}`.");
        return ExitCodes.Ok;
    }
}
