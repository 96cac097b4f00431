using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Processes.Tests.Security;

/// <summary>
/// The pen-test's payload: a BPMN whose extension elements carry an XHTML script that, run in an admin's browser,
/// shows a dialog, fetches an antiforgery token and creates an admin user <see cref="IntruderName"/>.
/// </summary>
internal static class HostileModels
{
    public const string IntruderName = "mallory";

    /// <summary>The line of the script element in <see cref="ScriptInExtension"/>.</summary>
    public const int ScriptLine = 8;

    public static string ScriptInExtension(string processId) => $$"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
                          xmlns:html="http://www.w3.org/1999/xhtml" id="d" targetNamespace="t">
          <bpmn:process id="{{processId}}" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="review" name="Review">
              <bpmn:extensionElements>
                <html:script><![CDATA[
                  alert('xss');
                  fetch('/api/auth/antiforgery', { credentials: 'same-origin' })
                    .then(r => r.json())
                    .then(t => fetch('/api/users', {
                      method: 'POST', credentials: 'same-origin',
                      headers: { 'Content-Type': 'application/json', [t.headerName]: t.token },
                      body: JSON.stringify({ userName: '{{IntruderName}}', displayName: 'x', password: 'a long enough password', roles: ['admin'] }),
                    }));
                ]]></html:script>
                <zeebe:userTask />
              </bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
            <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    /// <summary>
    /// Stores a BPMN file as a deployment made before deployment refused foreign markup would have left it: the
    /// resource and a process definition row, bypassing validation. Returns the process definition key.
    /// </summary>
    public static async Task<long> StoreAsOlderDeploymentAsync(NpgsqlDataSource dataSource, string processId, string resourceName, string xml)
    {
        var content = Encoding.UTF8.GetBytes(xml);
        var checksum = Convert.ToHexStringLower(SHA256.HashData(content));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var deploymentKey = await connection.ExecuteScalarAsync<long>("SELECT nextval('definition_key')", transaction: transaction);
        var key = await connection.ExecuteScalarAsync<long>("SELECT nextval('definition_key')", transaction: transaction);
        await connection.ExecuteAsync("INSERT INTO deployment (deployment_key) VALUES (@deploymentKey)", new { deploymentKey }, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO deployment_resource (deployment_key, resource_name, content, checksum) VALUES (@deploymentKey, @resourceName, @content, @checksum)
            """, new { deploymentKey, resourceName, content, checksum }, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO process_definition (process_definition_key, bpmn_process_id, version, name, version_tag, resource_name, checksum, deployment_key)
            VALUES (@key, @processId, 1, NULL, NULL, @resourceName, @checksum, @deploymentKey)
            """, new { key, processId, resourceName, checksum, deploymentKey }, transaction);
        await transaction.CommitAsync();
        return key;
    }
}
