using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Processes.Host.Postgres;

namespace Processes.Host.DataProtection;

/// <summary>
/// The Data Protection key ring in the shared database, so every host behind a load balancer reads the cookies
/// and antiforgery tokens the others issued. What is stored is already encrypted by the configured encryptor.
/// </summary>
/// <remarks>
/// The interface is synchronous; Data Protection calls it rarely (at first use, when a key is missing, and about
/// once a day), so blocking on the database start here is acceptable.
/// </remarks>
internal sealed class PostgresXmlRepository(ProcessesDatabase database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var dataSource = database.EnsureStartedAsync().GetAwaiter().GetResult();
        using var connection = dataSource.OpenConnection();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_key ORDER BY id").Select(xml => XElement.Parse(xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var dataSource = database.EnsureStartedAsync().GetAwaiter().GetResult();
        using var connection = dataSource.OpenConnection();
        connection.Execute("INSERT INTO data_protection_key (friendly_name, xml) VALUES (@friendlyName, @xml)",
            new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
