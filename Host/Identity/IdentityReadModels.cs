using Processes.Engine.Queries;

namespace Processes.Host.Identity;

/// <summary>A user as Camunda's v2 searches list it: the user name is its id, the display name its name.</summary>
internal sealed class UserSearchRow
{
    public long Id { get; init; }
    public string Username { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Email { get; init; }
}

/// <summary>A group as Camunda's v2 searches list it: our group name is Camunda's groupId, the display name its name.</summary>
internal sealed class GroupSearchRow
{
    public long Id { get; init; }
    public string GroupId { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }
}

/// <summary>A member of a group or a holder of a role: the user name.</summary>
internal sealed class MemberSearchRow
{
    public long Id { get; init; }
    public string Username { get; init; } = "";
}

/// <summary>
/// The identity tables as the engine's search composes them for /v2/users, /v2/groups and their members: the fields
/// and sorts of Camunda 8.8's spec, nothing more (another field is a 400 naming it). The member models also declare
/// the group or role they belong to (<c>groupId</c>, <c>roleId</c>), which the endpoint sets from the path.
/// </summary>
internal static class IdentityReadModels
{
    public static ReadModel<UserSearchRow> Users { get; } = OwnedTableSearch.Declare<UserSearchRow>("users",
        "u.id AS Id, u.user_name AS Username, u.display_name AS Name, u.email AS Email", "app_user u",
        new QueryField("key", "u.id", FieldType.Key), r => r.Id,
        [
            (new QueryField("username", "u.user_name", FieldType.Text), r => r.Username),
            (new QueryField("name", "u.display_name", FieldType.Text), r => r.Name),
            (new QueryField("email", "u.email", FieldType.Text), r => r.Email),
        ],
        [new SortBy("username")]);

    public static ReadModel<GroupSearchRow> Groups { get; } = OwnedTableSearch.Declare<GroupSearchRow>("groups",
        "g.id AS Id, g.name AS GroupId, g.display_name AS Name, g.description AS Description", "app_group g",
        new QueryField("key", "g.id", FieldType.Key), r => r.Id,
        [
            (new QueryField("groupId", "g.name", FieldType.Text), r => r.GroupId),
            (new QueryField("name", "g.display_name", FieldType.Text), r => r.Name),
        ],
        [new SortBy("groupId")]);

    // Group names compare ignoring case everywhere (app_group_name_key), so the path's groupId does too.
    public static ReadModel<MemberSearchRow> GroupMembers { get; } = OwnedTableSearch.Declare<MemberSearchRow>("group members",
        "u.id AS Id, u.user_name AS Username", "user_group ug JOIN app_user u ON u.id = ug.user_id JOIN app_group g ON g.id = ug.group_id",
        new QueryField("key", "u.id", FieldType.Key), r => r.Id,
        [
            (new QueryField("username", "u.user_name", FieldType.Text), r => r.Username),
            (new QueryField("groupId", "lower(g.name)", FieldType.Text, Sortable: false), null),
        ],
        [new SortBy("username")]);

    public static ReadModel<MemberSearchRow> RoleMembers { get; } = OwnedTableSearch.Declare<MemberSearchRow>("role members",
        "u.id AS Id, u.user_name AS Username", "user_role r JOIN app_user u ON u.id = r.user_id",
        new QueryField("key", "u.id", FieldType.Key), r => r.Id,
        [
            (new QueryField("username", "u.user_name", FieldType.Text), r => r.Username),
            (new QueryField("roleId", "r.role", FieldType.Text, Sortable: false), null),
        ],
        [new SortBy("username")]);
}
